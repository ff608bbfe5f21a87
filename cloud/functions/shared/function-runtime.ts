/**
 * What both functions share around their own work: time, ids and the log as dependencies (the
 * cloud's by default, a test's when given), the settings read per call, and every failure
 * turned into the `{error: {code, message}}` answer and one log line that names the code,
 * never the caller's arguments.
 */
import { randomBytes } from 'crypto';
import { formatUuidV4 } from '../../../utils/uuid';
import { CloudFunction, CloudFunctionContext } from '../../types/serverless';
import { CloudCallError } from './identification-calls';
import { CloudErrorAnswer, CloudFunctionError, toErrorAnswer } from './errors';
import { FunctionEnv, FunctionSettings, readFunctionSettings, SettingsError } from './settings';

/** One structured log line: ids, codes and states only, never a name or an ID number. */
export type LogEntry = Readonly<Record<string, string | number | boolean | null | readonly string[] | undefined>>;

export interface FunctionDeps {
  /** Default process.env: the variables set on the function in the cloud console. */
  env: FunctionEnv;
  /** Milliseconds since the epoch. Default Date.now. */
  clock: () => number;
  /** Default one JSON line on stdout, which the cloud console's function log keeps. */
  log: (entry: LogEntry) => void;
  /** A new verification id. Default a random uuid v4. */
  newId: () => string;
}

function systemDeps(): FunctionDeps {
  return {
    env: process.env,
    clock: () => Date.now(),
    // stdout is what the cloud console keeps as the function's log.
    log: (entry) => console.log(JSON.stringify(entry)),
    newId: () => formatUuidV4(randomBytes(16)),
  };
}

/** The log line for a failure: its code and what is known about it, never its arguments. */
function failureEntry(name: string, error: unknown): LogEntry {
  if (error instanceof SettingsError) return { event: 'function.misconfigured', function: name, code: 'INTERNAL_ERROR', problems: error.problems };
  if (error instanceof CloudCallError) {
    return {
      event: 'function.failed',
      function: name,
      code: error.code,
      call: error.call,
      alipayCode: error.detail.alipayCode,
      subCode: error.detail.subCode,
      reason: error.detail.reason,
      cause: error.cause instanceof Error ? error.cause.name : undefined,
    };
  }
  if (error instanceof CloudFunctionError) return { event: 'function.refused', function: name, code: error.code };
  // An unexpected error's message may quote data it was handed; its name is enough to start from.
  return { event: 'function.failed', function: name, code: 'INTERNAL_ERROR', error: error instanceof Error ? error.name : typeof error };
}

/**
 * A deployable cloud function: reads the settings, runs `work`, and answers its result or the
 * error answer. It never throws, so the caller always gets a code to act on.
 */
export function defineFunction<TArgs, TResult>(
  name: string,
  overrides: Partial<FunctionDeps>,
  work: (ctx: CloudFunctionContext<TArgs>, settings: FunctionSettings, deps: FunctionDeps) => Promise<TResult>,
): CloudFunction<TArgs, TResult | CloudErrorAnswer> {
  const deps: FunctionDeps = { ...systemDeps(), ...overrides };
  return async (ctx) => {
    try {
      return await work(ctx, readFunctionSettings(deps.env), deps);
    } catch (error) {
      deps.log(failureEntry(name, error));
      return toErrorAnswer(error);
    }
  };
}
