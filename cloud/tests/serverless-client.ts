/**
 * A stand-in for the merchant's MPServerless client (@alicloud/mpserverless-sdk), the object
 * platform/cloud-function.ts finds on the App as `mpserverless`: `init()` authorizes, and
 * `function.invoke(name, args)` runs the real cloud function (cloud/functions/) in the
 * emulated cloud over the gateway emulator, answering `{success: true, result}` as the SDK does.
 * Every call is recorded by name, never by its arguments.
 */
import { EmulatedCaller } from '../emulated-cloud/emulated-cloud';
import { CloudHarness } from './support';

export interface FakeServerlessClient {
  init(): Promise<{ success: boolean }>;
  function: { invoke(name: string, args?: object): Promise<unknown> };
  /** `init` and each function's name, in call order. */
  calls: string[];
  /** The next init fails (the user refused, or the space is unreachable). */
  failInit: boolean;
}

/** A client whose calls run as `caller` in `harness`'s emulated cloud. */
export function createServerlessClient(harness: CloudHarness, caller: EmulatedCaller): FakeServerlessClient {
  const client: FakeServerlessClient = {
    calls: [],
    failInit: false,
    async init() {
      client.calls.push('init');
      if (client.failInit) {
        client.failInit = false;
        throw new Error('authorize failed');
      }
      return { success: true };
    },
    function: {
      async invoke(name, args) {
        client.calls.push(name);
        if (name === 'identification-start') return { success: true, result: await harness.start(caller, args) };
        if (name === 'identification-status') return { success: true, result: await harness.status(caller, args) };
        return { success: false };
      },
    },
  };
  return client;
}
