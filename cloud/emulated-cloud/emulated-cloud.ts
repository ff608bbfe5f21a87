/**
 * An emulated Alipay cloud for the two functions, for tests and for trying them locally: the
 * identification calls over our gateway emulator, an in-memory database, and a context per
 * call whose user the cloud decides (as the real one authenticates the mini-program user), so
 * the functions run unchanged under jest and against `npm start`'s emulator.
 *
 * @see https://help.aliyun.com/document_detail/435812.html (a cloud function's one `ctx` argument)
 * @see https://help.aliyun.com/document_detail/435816.html (ctx.mpserverless in a cloud function)
 */
import { CloudFunction, CloudFunctionContext, UserInfoAnswer } from '../types/serverless';
import { createEmulatedIdentification, EmulatedIdentification, EmulatedIdentificationOptions } from './emulated-identification';
import { MemoryDatabase } from './memory-database';

/** Who calls: an Alipay user (`oAuthUserId`, as the cloud's user service names them), or nobody (an anonymous call). */
export type EmulatedCaller = { oAuthUserId: string } | 'anonymous';

/** What started the call (`ctx.env.MP_SOURCE`): the mini-program, or a timer trigger. */
export type EmulatedSource = 'client' | 'timing';

export interface EmulatedCloud {
  db: MemoryDatabase;
  identification: EmulatedIdentification;
  /** The `ctx` one call of a function gets. */
  contextFor<TArgs>(caller: EmulatedCaller, args: TArgs, source?: EmulatedSource): CloudFunctionContext<TArgs>;
  /** Calls `fn` as the cloud would for `caller`, with a JSON round trip of the arguments and the answer (the cloud's wire). */
  invoke<TResult>(fn: CloudFunction<unknown, TResult>, caller: EmulatedCaller, args: unknown, source?: EmulatedSource): Promise<TResult>;
}

export function createEmulatedCloud(options: EmulatedIdentificationOptions): EmulatedCloud {
  const db = new MemoryDatabase();
  const identification = createEmulatedIdentification(options);

  function contextFor<TArgs>(caller: EmulatedCaller, args: TArgs, source: EmulatedSource = 'client'): CloudFunctionContext<TArgs> {
    const userInfo: UserInfoAnswer =
      caller === 'anonymous' ? { success: true, result: { user: { userId: 'anonymous-user' } } } : { success: true, result: { user: { userId: `space-${caller.oAuthUserId}`, oAuthUserId: caller.oAuthUserId } } };
    return {
      args,
      env: { MP_SPACE_ID: 'emulated-space', MP_SOURCE: source, MP_APP_ID: options.appId },
      cloud: { member: { identification: identification.api } },
      mpserverless: { db, user: { getInfo: async () => userInfo } },
    };
  }

  return {
    db,
    identification,
    contextFor,
    async invoke(fn, caller, args, source) {
      const answer = await fn(contextFor(caller, JSON.parse(JSON.stringify(args ?? null)) as unknown, source));
      return JSON.parse(JSON.stringify(answer)) as typeof answer;
    },
  };
}
