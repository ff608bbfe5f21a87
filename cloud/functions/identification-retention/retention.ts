/**
 * identification-retention: the Serverless counterpart of the server's retention purge
 * (server/src/workers/retention.ts). The data notice both variants show says a verification
 * record is deleted RETENTION_DAYS after it was made; with no server to do it, this function,
 * run daily by a timer trigger, deletes them. Only a timer may run it: a call from a client
 * (or anything else) is refused as FORBIDDEN and deletes nothing.
 *
 * @see https://help.aliyun.com/document_detail/435815.html (ctx.env.MP_SOURCE: timing for a timer trigger)
 * @see https://help.aliyun.com/document_detail/435816.html (ctx.mpserverless.db in a cloud function)
 */
import { CloudFunction } from '../../types/serverless';
import { CloudErrorAnswer, CloudFunctionError } from '../shared/errors';
import { defineFunction, FunctionDeps } from '../shared/function-runtime';
import { VERIFICATIONS_COLLECTION } from '../shared/verification-record';

/** How many records were deleted, when the database says. */
export interface RetentionAnswer {
  deleted: number | null;
}

/**
 * Builds the function; the deployed one (index.ts) uses the cloud's environment, clock and log.
 * Tests pass their own to control time and read the log.
 */
export function createIdentificationRetention(overrides: Partial<FunctionDeps> = {}): CloudFunction<unknown, RetentionAnswer | CloudErrorAnswer> {
  return defineFunction<unknown, RetentionAnswer>('identification-retention', overrides, async (ctx, settings, deps) => {
    if (ctx.env.MP_SOURCE !== 'timing') {
      throw new CloudFunctionError('FORBIDDEN', 'identification-retention runs from its timer trigger only');
    }
    const before = deps.clock() - settings.retentionMs;
    const outcome = await ctx.mpserverless.db.collection(VERIFICATIONS_COLLECTION).deleteMany({ createdAt: { $lt: before } });
    const deleted = typeof outcome.affectedDocs === 'number' ? outcome.affectedDocs : null;
    deps.log({ event: 'verification.retention', deleted, before: new Date(before).toISOString() });
    return { deleted };
  });
}
