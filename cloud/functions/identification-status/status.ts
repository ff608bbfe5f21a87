/**
 * identification-status: the Serverless counterpart of `GET /api/verifications/:id`. Only the
 * caller's own verification (another user's id answers as an unknown one); while PENDING,
 * Alipay's own record (`query`) decides: PASSED only when it says T, and once the certifyId's
 * lifetime is over, FAILED when Alipay gave a fail_reason, else EXPIRED. A final status never
 * changes again. The same rule as server/src/services/verification-service.ts.
 *
 * `ctx.args`: `{verificationId}`.
 *
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-bc763blg.html (cloud.member.identification.query)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { VerificationStatus, VerificationView } from '../../../utils/api-contract';
import { CloudFunction } from '../../types/serverless';
import { readCallerId } from '../shared/caller';
import { CloudErrorAnswer, CloudFunctionError, notFound } from '../shared/errors';
import { defineFunction, FunctionDeps } from '../shared/function-runtime';
import { queryCertify } from '../shared/identification-calls';
import { readVerificationDocument, toVerificationView, viewStatusOf, VERIFICATIONS_COLLECTION } from '../shared/verification-record';

export interface StatusArgs {
  verificationId: string;
}

/** The HTTP API's VerificationView, or its error body. */
export type StatusAnswer = VerificationView | CloudErrorAnswer;

/**
 * Builds the function; the deployed one (index.ts) uses the cloud's environment, clock and log.
 * Tests pass their own to control time and read the log.
 */
export function createIdentificationStatus(overrides: Partial<FunctionDeps> = {}): CloudFunction<unknown, StatusAnswer> {
  return defineFunction<unknown, VerificationView>('identification-status', overrides, async (ctx, settings, deps) => {
    const userId = await readCallerId(ctx);
    const args = ctx.args as Partial<Record<string, unknown>> | null;
    const verificationId = args !== null && typeof args === 'object' ? args.verificationId : undefined;
    if (typeof verificationId !== 'string' || verificationId === '' || Object.keys(args as object).length !== 1) {
      throw new CloudFunctionError('VALIDATION_FAILED', 'ctx.args must be {verificationId}, a non-empty string');
    }
    const collection = ctx.mpserverless.db.collection(VERIFICATIONS_COLLECTION);
    const document = readVerificationDocument((await collection.findOne({ verificationId })).result);
    const shown = document && viewStatusOf(document.status);
    if (!document || !shown || document.userId !== userId || document.certifyId === null || document.expiresAt === null) throw notFound();
    if (shown !== 'PENDING') return toVerificationView(document, shown);

    const outcome = await queryCertify(ctx.cloud.member.identification, document.certifyId, settings.isv);
    const now = deps.clock();
    let to: VerificationStatus = 'PENDING';
    if (outcome.passed) to = 'PASSED';
    // 'F' only means "not passed yet": the person may still finish until the certifyId expires.
    else if (now >= document.expiresAt) to = outcome.failReason ? 'FAILED' : 'EXPIRED';
    if (to === 'PENDING') return toVerificationView(document, 'PENDING');
    // Only a PENDING document moves, so two polls racing here agree on one final status.
    await collection.updateOne({ verificationId, status: 'PENDING' }, { $set: { status: to, updatedAt: now } });
    const settled = readVerificationDocument((await collection.findOne({ verificationId })).result);
    const settledStatus = settled && viewStatusOf(settled.status);
    if (!settled || !settledStatus) throw notFound();
    if (settled.updatedAt === now && settledStatus === to) {
      deps.log({ event: 'verification.status', verificationId, userId, from: 'PENDING', to, at: new Date(now).toISOString() });
    }
    return toVerificationView(settled, settledStatus);
  });
}
