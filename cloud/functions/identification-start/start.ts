/**
 * identification-start: the Serverless counterpart of `POST /api/verifications` (and of its
 * `/certify-url` renewal). The rules are the server's (server/src/services/verification-service.ts),
 * from the same shared code: the consent record first, then the bizCode, the identity
 * (utils/identity.ts) and the minors policy, all before anything is counted or paid; then the
 * same person's live verification is reused, or the per-user and per-number limits are checked,
 * the attempt is written down, and `init` and `certify` are called.
 *
 * `ctx.args`:
 * - `{certName, certNo, certType?, bizCode?, consentVersion, guardianConsent?}`: a new verification;
 * - `{verificationId}`: a newly signed certify URL for the caller's own PENDING verification
 *   (a retry after a 6002), no new init.
 *
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-qrys3ble.html (cloud.member.identification.init)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 */
import { CERTIFY_ID_LIFETIME_MS, CreateVerificationResponse } from '../../../utils/api-contract';
import { ageInBeijing, CERT_TYPES, GUARDIAN_CONSENT_AGE, IdentityCheck, maskCertNo, validateIdentity, ValidIdentity } from '../../../utils/identity';
import { CloudFunction, CloudFunctionContext, DbCollection, IdentificationBizCode } from '../../types/serverless';
import { readCallerId } from '../shared/caller';
import { CloudErrorAnswer, CloudFunctionError, notFound } from '../shared/errors';
import { defineFunction, FunctionDeps } from '../shared/function-runtime';
import { initializeCertify, signCertifyUrl } from '../shared/identification-calls';
import { FunctionSettings } from '../shared/settings';
import {
  hmacOf,
  newOuterOrderNo,
  readVerificationDocument,
  VerificationDocument,
  VERIFICATIONS_COLLECTION,
} from '../shared/verification-record';

/** A new verification, as the HTTP API's CreateVerificationRequest. */
export interface StartArgs {
  certName: string;
  certNo: string;
  certType?: string;
  bizCode?: string;
  /** The version of the data notice the person agreed to (utils/consent-notice.ts). */
  consentVersion?: string;
  guardianConsent?: boolean;
  /**
   * The verificationId this start replaces because Alipay refused its certifyId (the client
   * policy's new-verification action): it is not reused, a new one starts (a new paid init).
   */
  replaces?: string;
}

/** A new certify URL for one of the caller's verifications. */
export interface RenewArgs {
  verificationId: string;
}

/** The HTTP API's CreateVerificationResponse, or its error body. */
export type StartAnswer = CreateVerificationResponse | CloudErrorAnswer;

/**
 * A live verification is reused only while its certifyId has this long to live, as on the
 * server (REUSE_MIN_REMAINING_MS there): the person still has to open it and finish.
 */
export const REUSE_MIN_REMAINING_MS = 10 * 60 * 1000;

const START_KEYS = ['certName', 'certNo', 'certType', 'bizCode', 'consentVersion', 'guardianConsent', 'replaces'];

function invalid(message: string): CloudFunctionError {
  return new CloudFunctionError('VALIDATION_FAILED', message);
}

/** The server's request schema (server/src/schemas.ts CreateVerificationBody), by hand. */
function readStartArgs(args: Record<string, unknown>): StartArgs {
  for (const key of Object.keys(args)) if (START_KEYS.indexOf(key) < 0) throw invalid(`Unknown argument ${key}`);
  const { certName, certNo, certType, bizCode, consentVersion, guardianConsent, replaces } = args;
  if (typeof certName !== 'string' || certName.length > 200) throw invalid('certName must be a string of at most 200 characters');
  if (typeof certNo !== 'string' || certNo.length > 64) throw invalid('certNo must be a string of at most 64 characters');
  if (certType !== undefined && CERT_TYPES.indexOf(certType as never) < 0) throw invalid(`certType must be one of ${CERT_TYPES.join(', ')}`);
  if (bizCode !== undefined && (typeof bizCode !== 'string' || !/^[A-Z_]{1,32}$/.test(bizCode))) throw invalid('bizCode must be 1 to 32 of A-Z and _');
  if (consentVersion !== undefined && (typeof consentVersion !== 'string' || consentVersion.length > 64)) throw invalid('consentVersion must be a string of at most 64 characters');
  if (guardianConsent !== undefined && typeof guardianConsent !== 'boolean') throw invalid('guardianConsent must be true or false');
  if (replaces !== undefined && (typeof replaces !== 'string' || replaces.length > 64)) throw invalid('replaces must be a string of at most 64 characters');
  return {
    certName,
    certNo,
    certType: certType as string | undefined,
    bizCode: bizCode as string | undefined,
    consentVersion: consentVersion as string | undefined,
    guardianConsent: guardianConsent as boolean | undefined,
    replaces: replaces as string | undefined,
  };
}

/** PIPL art. 14 and 17: only data the person agreed to send, under a notice this deployment still shows. */
function checkConsent(version: string | undefined, settings: FunctionSettings): string {
  if (version === undefined || version === '') {
    throw new CloudFunctionError('CONSENT_REQUIRED', 'Send consentVersion: the version of the data notice the person agreed to');
  }
  if (settings.consentVersions.indexOf(version) < 0) {
    throw new CloudFunctionError('CONSENT_OUTDATED', 'consentVersion names a data notice this deployment no longer shows; show the current one and ask again');
  }
  return version;
}

function checkBizCode(bizCode: string | undefined, settings: FunctionSettings): IdentificationBizCode {
  const allowed = settings.bizCodeAllowlist.find((code) => code === (bizCode ?? 'FACE'));
  if (!allowed) throw new CloudFunctionError('BIZ_CODE_NOT_ALLOWED', 'This bizCode is not enabled for this deployment');
  return allowed;
}

function checkIdentity(args: StartArgs, now: Date): ValidIdentity {
  const check: IdentityCheck = validateIdentity(args, now);
  if (check.ok) return check.value;
  const error = check.errors.certName ?? check.errors.certNo;
  throw error ? new CloudFunctionError(error.code, error.message) : invalid('Invalid identity');
}

/** PIPL art. 31, as the server's MINOR_POLICY: a holder under 14 is refused, or needs a guardian's consent. */
function applyMinorPolicy(certNo: string, consentGiven: boolean, now: Date, settings: FunctionSettings): boolean {
  const age = ageInBeijing(certNo, now);
  if (age === undefined || age >= GUARDIAN_CONSENT_AGE) return false;
  if (settings.minorPolicy === 'refuse') throw new CloudFunctionError('CERT_NO_MINOR', 'This service does not verify people under 14');
  if (!consentGiven) {
    throw new CloudFunctionError('GUARDIAN_CONSENT_REQUIRED', 'The holder is under 14: send guardianConsent: true once the guardian has agreed');
  }
  return true;
}

function answerFor(document: VerificationDocument, url: string, reused: boolean): CreateVerificationResponse {
  const answer: CreateVerificationResponse = {
    verificationId: document.verificationId,
    certifyId: document.certifyId as string,
    url,
    expiresAt: new Date(document.expiresAt as number).toISOString(),
  };
  if (reused) answer.reused = true;
  return answer;
}

/**
 * New verifications in the window, per user and per ID number (INITIALIZE_FAILED attempts
 * count too, as the server counts every initialize it tries).
 * @throws CloudFunctionError RATE_LIMITED with the window as the wait (an upper bound)
 */
async function checkRateLimits(collection: DbCollection, userId: string, certNoHmac: string, now: number, settings: FunctionSettings): Promise<void> {
  const { windowMs, perUser, perCertNo } = settings.rateLimits;
  // A verification exactly windowMs old is out of the window, so waiting retryAfterSeconds is always enough.
  const since = { $gt: now - windowMs };
  const byUser = await collection.count({ userId, createdAt: since });
  const byNumber = byUser.result >= perUser ? 0 : (await collection.count({ certNoHmac, createdAt: since })).result;
  if (byUser.result >= perUser || byNumber >= perCertNo) {
    throw new CloudFunctionError('RATE_LIMITED', 'Too many requests; try again later', { retryAfterSeconds: Math.ceil(windowMs / 1000) });
  }
}

async function renew(
  ctx: CloudFunctionContext<unknown>,
  userId: string,
  verificationId: string,
  settings: FunctionSettings,
  deps: FunctionDeps,
): Promise<CreateVerificationResponse> {
  const collection = ctx.mpserverless.db.collection(VERIFICATIONS_COLLECTION);
  const document = readVerificationDocument((await collection.findOne({ verificationId })).result);
  // Another user's verification answers exactly as an unknown one.
  if (!document || document.userId !== userId || document.certifyId === null || document.expiresAt === null) throw notFound();
  if (document.status !== 'PENDING' || deps.clock() >= document.expiresAt) {
    throw new CloudFunctionError('VERIFICATION_CLOSED', 'This verification has a final status or its certifyId has expired; read its status instead');
  }
  return answerFor(document, await signCertifyUrl(ctx.cloud.member.identification, document.certifyId, settings.isv), false);
}

async function start(
  ctx: CloudFunctionContext<unknown>,
  userId: string,
  args: StartArgs,
  settings: FunctionSettings,
  deps: FunctionDeps,
): Promise<CreateVerificationResponse> {
  const consentedAt = deps.clock();
  const consentVersion = checkConsent(args.consentVersion, settings);
  const bizCode = checkBizCode(args.bizCode, settings);
  const now = new Date(deps.clock());
  const identity = checkIdentity(args, now);
  const guardianConsent = applyMinorPolicy(identity.certNo, args.guardianConsent === true, now, settings);

  const api = ctx.cloud.member.identification;
  const collection = ctx.mpserverless.db.collection(VERIFICATIONS_COLLECTION);
  const certNoHmac = hmacOf(settings.pepper, 'cert-no', identity.certNo);
  const identityHmac = hmacOf(settings.pepper, 'identity', `${identity.certName}\n${identity.certNo}`);
  if (args.replaces !== undefined) {
    // A certifyId Alipay refused is live on paper only: reusing it would hand back the refused
    // face check. Only the caller's own can be marked; another user's id changes nothing.
    await collection.updateOne({ verificationId: args.replaces, userId }, { $set: { replacedAt: now.getTime() } });
  }
  const live = readVerificationDocument(
    (
      await collection.findOne({
        userId,
        identityHmac,
        bizCode,
        certType: identity.certType,
        status: 'PENDING',
        replacedAt: null,
        expiresAt: { $gte: now.getTime() + REUSE_MIN_REMAINING_MS },
      })
    ).result,
  );
  if (live) return answerFor(live, await signCertifyUrl(api, live.certifyId as string, settings.isv), true);

  await checkRateLimits(collection, userId, certNoHmac, now.getTime(), settings);
  const attempt: VerificationDocument = {
    verificationId: deps.newId(),
    userId,
    outerOrderNo: newOuterOrderNo(now.getTime()),
    certifyId: null,
    bizCode,
    certType: identity.certType,
    certNoHmac,
    identityHmac,
    certNoMasked: maskCertNo(identity.certNo),
    status: 'INITIALIZING',
    createdAt: now.getTime(),
    updatedAt: now.getTime(),
    expiresAt: null,
    guardianConsent,
    consentVersion,
    consentedAt,
    errorCode: null,
    replacedAt: null,
  };
  // Written before the paid call, so a crash during it still leaves the attempt on record.
  await collection.insertOne(attempt);
  let certifyId: string;
  try {
    certifyId = await initializeCertify(api, { outerOrderNo: attempt.outerOrderNo, bizCode, identity, returnUrl: settings.returnUrl }, settings.isv);
  } catch (error) {
    const errorCode = error instanceof CloudFunctionError ? error.code : 'INTERNAL_ERROR';
    await collection.updateOne({ verificationId: attempt.verificationId }, { $set: { status: 'INITIALIZE_FAILED', errorCode, updatedAt: deps.clock() } });
    throw error;
  }
  const initializedAt = deps.clock();
  const pending: VerificationDocument = { ...attempt, certifyId, status: 'PENDING', updatedAt: initializedAt, expiresAt: initializedAt + CERTIFY_ID_LIFETIME_MS };
  await collection.updateOne(
    { verificationId: attempt.verificationId },
    { $set: { certifyId, status: 'PENDING', updatedAt: initializedAt, expiresAt: pending.expiresAt } },
  );
  deps.log({ event: 'verification.status', verificationId: pending.verificationId, userId, from: null, to: 'PENDING', at: new Date(initializedAt).toISOString() });
  // A certify failure leaves the PENDING verification in place: starting again reuses it, unpaid.
  return answerFor(pending, await signCertifyUrl(api, certifyId, settings.isv), false);
}

/**
 * Builds the function; the deployed one (index.ts) uses the cloud's environment, clock and log.
 * Tests pass their own to control time and read the log.
 */
export function createIdentificationStart(overrides: Partial<FunctionDeps> = {}): CloudFunction<unknown, StartAnswer> {
  return defineFunction<unknown, CreateVerificationResponse>('identification-start', overrides, async (ctx, settings, deps) => {
    // The caller first, as the HTTP API checks the session before the body.
    const userId = await readCallerId(ctx);
    const args = ctx.args;
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw invalid('ctx.args must be an object');
    const fields = args as Record<string, unknown>;
    if ('verificationId' in fields) {
      if (Object.keys(fields).length !== 1 || typeof fields.verificationId !== 'string' || fields.verificationId === '') {
        throw invalid('A renewal takes only verificationId, a non-empty string');
      }
      return renew(ctx, userId, fields.verificationId, settings, deps);
    }
    return start(ctx, userId, readStartArgs(fields), settings, deps);
  });
}
