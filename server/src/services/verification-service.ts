/**
 * Verifications: a name and an ID number become a certifyId and a signed certify URL in one
 * request; later, Alipay's own record (query) decides whether the person passed. The raw
 * name and number live only for the initialize call and are never stored or logged.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { createHmac } from 'node:crypto';
import {
  CERTIFY_ID_LIFETIME_MS,
  CertifyUrlResponse,
  CreateVerificationRequest,
  CreateVerificationResponse,
  VerificationStatus,
  VerificationView,
} from '../../../utils/api-contract';
import { Branding, CONSENT_LANGUAGES, consentNoticeFor } from '../../../utils/consent-notice';
import { ageInBeijing, GUARDIAN_CONSENT_AGE, maskCertNo, validateIdentity, ValidIdentity } from '../../../utils/identity';
import { AlipayGateway, CertifyQueryResult } from '../alipay/alipay-client';
import { withRetries } from '../alipay/retry';
import { UpstreamError } from '../alipay/upstream-error';
import { Clock, RandomSource, Sleeper } from '../clock';
import { MinorPolicy, RateLimitConfig } from '../config';
import { ApiError, notFound, rateLimited } from '../errors';
import { Limiter } from '../scale/limiter';
import { InitializeAttempt, Repository, VerificationRecord } from '../store/repository';
import { verificationEvent } from '../webhooks/events';
import { DEFAULT_RECONCILE_SCHEDULE, nextCheckAt, parseReconcileSchedule } from '../workers/reconcile-schedule';
import { newOuterOrderNo, newUuidV7 } from './ids';

/** One audit line per status change: who, what, when and Alipay's trace id; never a name or ID number. */
export interface AuditEntry {
  event: 'verification.status';
  verificationId: string;
  userId: string;
  from: VerificationStatus | null;
  to: VerificationStatus;
  at: string;
  alipayTraceId: string | null;
}

export interface VerificationServiceDeps {
  repository: Repository;
  alipay: AlipayGateway;
  clock: Clock;
  sleep: Sleeper;
  random: RandomSource;
  /** In process, or shared through Redis (REDIS_URL). */
  rateLimiter: Limiter;
  rateLimits: RateLimitConfig;
  /** Secret for HMAC-SHA256 of ID numbers and idempotent bodies. */
  pepper: string;
  bizCodeAllowlist: readonly string[];
  returnUrl: string;
  queryRetries: number;
  initializeRetries: number;
  queryCacheMs: number;
  /** Base of the exponential backoff between retries, in ms. */
  retryBaseDelayMs: number;
  /** For holders under 14 (Beijing time): guardian consent required, or refused. */
  minorPolicy: MinorPolicy;
  /** The merchant's branding, from which the data notice, hence the accepted consent versions, is built. */
  branding: Branding;
  audit: (entry: AuditEntry) => void;
  /**
   * Re-query delays after creation, in ms (RECONCILE_SCHEDULE), stored with each new
   * verification as its first due time. Default: DEFAULT_RECONCILE_SCHEDULE.
   */
  reconcileScheduleMs?: readonly number[];
  /** Write a webhook event to the outbox with every final status (WEBHOOK_URL is set). Default false. */
  webhookEvents?: boolean;
  /**
   * An attempt still INITIALIZING this long after it started belongs to a process that died
   * between the paid call and its answer (a live one ends within ALIPAY_TIMEOUT_MS). Default 60 s.
   */
  interruptedAfterMs?: number;
  /**
   * Shared with the other processes (REDIS_URL): claims the query of one verification for
   * `ms`, so that among all processes one asks Alipay and the rest answer from the store (the
   * cross-process single flight and query cache). False when another process holds it.
   * Without it, each process keeps its own.
   */
  claimQuery?: (verificationId: string, ms: number) => Promise<boolean>;
  /**
   * How long a request waits for another process's initialize under the same Idempotency-Key
   * to settle, to answer as it did, before 409 IDEMPOTENCY_IN_PROGRESS. Default 10 s.
   */
  otherProcessWaitMs?: number;
}

/** See VerificationServiceDeps.otherProcessWaitMs. */
export const DEFAULT_OTHER_PROCESS_WAIT_MS = 10_000;

/** How often the store is read while another process's initialize is in flight. */
const OTHER_PROCESS_POLL_MS = 50;

/**
 * A request with the same Idempotency-Key and body that arrives this soon after the first one
 * failed gets the same error instead of a paid call of its own: a burst of duplicates (double
 * taps, a proxy's retries) is one decision to pay, not one each. A retry later than this is a
 * new decision (the client saw the error and tried again), and may pay again.
 */
export const FAILURE_SHARED_FOR_MS = 2000;

/** See VerificationServiceDeps.interruptedAfterMs. */
export const DEFAULT_INTERRUPTED_AFTER_MS = 60_000;

const DEFAULT_RECONCILE_SCHEDULE_MS = (() => {
  const parsed = parseReconcileSchedule(DEFAULT_RECONCILE_SCHEDULE);
  return parsed.ok ? parsed.delaysMs : [];
})();

/** The code an attempt is marked FAILED with: the API error code its failure answers with. */
function attemptFailureCode(error: unknown): string {
  if (error instanceof UpstreamError) return `UPSTREAM_${error.kind.toUpperCase()}`;
  if (error instanceof ApiError) return error.code;
  return 'INTERNAL_ERROR';
}

/**
 * 409 for a request whose Idempotency-Key has an initialize in flight in another process:
 * answering it must not start a second paid call, and its outcome is not known yet.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/ (section 2.7: 409 while processing)
 */
function idempotencyInProgress(): ApiError {
  return new ApiError(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; try again in a moment', {
    retryAfterSeconds: 1,
  });
}

export interface CreateVerificationResult {
  /** 201 for a new verification, 200 for a reused one (also when replayed as stored). */
  statusCode: number;
  response: CreateVerificationResponse;
  /** True when the answer is a stored one replayed for the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * A live verification is reused only while its certifyId has at least this long to live. The
 * person still has to open the URL, switch to Alipay and finish the face check; a certifyId that
 * dies on the way leaves them with a check that cannot pass, worse than paying for a new one.
 * It also absorbs drift between our clock, which computed expiresAt, and Alipay's.
 */
export const REUSE_MIN_REMAINING_MS = 10 * 60 * 1000;

function canonicalJson(value: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(value).sort().reduce<Record<string, unknown>>((sorted, key) => {
    sorted[key] = value[key];
    return sorted;
  }, {}));
}

/** One request to start a verification, validated and past the minors policy. */
interface StartRequest {
  userId: string;
  bizCode: string;
  identity: ValidIdentity;
  /** A guardian consented for a holder under 14: stored with the verification. */
  guardianConsent: boolean;
  /** The version of the data notice agreed to, and when the server received that agreement. */
  consent: { version: string; at: number };
  idempotency?: { key: string; bodyHash: string };
  /** A verification of this user's that must not be reused: Alipay refused its certifyId. */
  replaces?: string;
}

/**
 * Runs `task` once no other task of the same key is in flight, and registers it before any
 * await, so a concurrent caller of the same key always finds it and waits for it.
 */
async function runAlone<T>(flights: Map<string, Promise<T>>, key: string, task: () => Promise<T>): Promise<T> {
  for (;;) {
    const inFlight = flights.get(key);
    if (!inFlight) break;
    await inFlight.catch(() => undefined);
  }
  const flight = task();
  flights.set(key, flight);
  try {
    return await flight;
  } finally {
    if (flights.get(key) === flight) flights.delete(key);
  }
}

function identityRejection(errors: ReturnType<typeof validateIdentity> & { ok: false }): ApiError {
  const error = errors.errors.certName ?? errors.errors.certNo;
  if (!error) return new ApiError(400, 'VALIDATION_FAILED', 'Invalid identity');
  return new ApiError(400, error.code, error.message);
}

/** Creates verifications and answers their status; the only place that decides PASSED. */
export class VerificationService {
  /**
   * In-flight creations by user and Idempotency-Key, with their body's HMAC: a duplicate (same
   * key and body) that arrives meanwhile shares the outcome, success or error, so one request
   * and its duplicates cost one paid call (and its own retries), never one each.
   */
  private readonly creating = new Map<string, { bodyHash: string; flight: Promise<CreateVerificationResult> }>();
  /** The last failure per user and Idempotency-Key, shared with duplicates for FAILURE_SHARED_FOR_MS. */
  private readonly recentFailures = new Map<string, { bodyHash: string; error: unknown; at: number }>();
  /**
   * In-flight starts (reuse or initialize) by user, name and number, bizCode and certType, so
   * a concurrent second request for the same person waits and reuses the first's verification.
   */
  private readonly starting = new Map<string, Promise<CreateVerificationResult>>();
  /** In-flight queries by verification id: concurrent polls share one Alipay call. */
  private readonly refreshing = new Map<string, Promise<VerificationRecord>>();
  /** When each pending verification was last queried, for the query cache. */
  private readonly lastQueriedAt = new Map<string, number>();
  /** The versions of the notice this server shows, one per language (utils/consent-notice.ts). */
  private readonly consentVersions: readonly string[];

  constructor(private readonly deps: VerificationServiceDeps) {
    this.consentVersions = CONSENT_LANGUAGES.map((language) => consentNoticeFor(language, deps.branding).version);
  }

  private hmac(purpose: string, text: string): string {
    return createHmac('sha256', this.deps.pepper).update(`${purpose}\n${text}`).digest('hex');
  }

  /** HMAC-SHA256 of a normalized ID number: the only form of it used as a key. */
  hashCertNo(certNo: string): string {
    return this.hmac('cert-no', certNo);
  }

  /**
   * Checks the consent record, validates and applies the minors policy (all before any paid
   * call, reuse or rate-limit counting), then reuses the same person's live verification with a newly signed URL, or
   * calls initialize (retried only after a 20000, each time with a new outer_order_no), signs
   * the certify URL and stores the verification before answering.
   */
  async createVerification(userId: string, body: CreateVerificationRequest, idempotencyKey?: string): Promise<CreateVerificationResult> {
    const consent = { version: this.checkConsent(body.consentVersion), at: this.deps.clock() };
    const bizCode = body.bizCode ?? 'FACE';
    if (this.deps.bizCodeAllowlist.indexOf(bizCode) < 0) {
      throw new ApiError(400, 'BIZ_CODE_NOT_ALLOWED', 'This bizCode is not enabled on this server');
    }
    const now = new Date(this.deps.clock());
    const check = validateIdentity(body, now);
    if (!check.ok) throw identityRejection(check);
    const guardianConsent = this.applyMinorPolicy(check.value.certNo, body.guardianConsent === true, now);
    const start: StartRequest = { userId, bizCode, identity: check.value, guardianConsent, consent, replaces: body.replaces };
    if (idempotencyKey === undefined) return this.start(start);

    const bodyHash = this.hmac('body', canonicalJson({ ...body }));
    const flightKey = `${userId}\n${idempotencyKey}`;
    for (;;) {
      const inFlight = this.creating.get(flightKey);
      if (!inFlight) break;
      if (inFlight.bodyHash === bodyHash) return { ...(await inFlight.flight), replayed: true };
      // Another body under the same key: once the first is settled, its stored answer says 409.
      await inFlight.flight.catch(() => undefined);
    }
    const failure = this.recentFailures.get(flightKey);
    if (failure && failure.bodyHash === bodyHash && this.deps.clock() - failure.at < FAILURE_SHARED_FOR_MS) throw failure.error;
    const flight = (async () => {
      for (let round = 0; ; round += 1) {
        const stored = await this.awaitOtherProcess(userId, idempotencyKey);
        if (stored) return this.replay(stored.bodyHash, bodyHash, stored.statusCode, stored.responseJson);
        try {
          return await this.start({ ...start, idempotency: { key: idempotencyKey, bodyHash } });
        } catch (error) {
          // Another process wrote its attempt ahead between our look and ours: wait for it once.
          if (round > 0 || !(error instanceof ApiError) || error.code !== 'IDEMPOTENCY_IN_PROGRESS') throw error;
        }
      }
    })();
    const entry = { bodyHash, flight };
    this.creating.set(flightKey, entry);
    try {
      return await flight;
    } catch (error) {
      this.rememberFailure(flightKey, bodyHash, error);
      throw error;
    } finally {
      if (this.creating.get(flightKey) === entry) this.creating.delete(flightKey);
    }
  }

  /**
   * The stored answer for this key, once no other process has an initialize in flight for it
   * (its attempt is INITIALIZING in the store): a duplicate that reached another instance is
   * answered as the first request was, never paid for twice. Polls the store meanwhile.
   * @returns the stored record, or undefined when there is none and nothing is in flight
   * @throws ApiError IDEMPOTENCY_IN_PROGRESS when the other process takes longer than otherProcessWaitMs
   */
  private async awaitOtherProcess(userId: string, key: string) {
    const polls = Math.ceil((this.deps.otherProcessWaitMs ?? DEFAULT_OTHER_PROCESS_WAIT_MS) / OTHER_PROCESS_POLL_MS);
    for (let poll = 0; ; poll += 1) {
      const stored = await this.deps.repository.findIdempotency(userId, key);
      if (stored) return stored;
      if (!(await this.deps.repository.findLiveAttempt(userId, key))) return undefined;
      if (poll >= polls) throw idempotencyInProgress();
      await this.deps.sleep(OTHER_PROCESS_POLL_MS);
    }
  }

  /**
   * PIPL art. 17 and 14: data may be sent to Alipay only after the person agreed to the notice
   * that says what happens to it, and the record must name which notice that was. The client
   * sends the version of the text it showed; a version of no current text means the person
   * read words this server no longer stands behind (the notice changed since), so they must
   * read the new one first. Checked first of all, so a refused request costs nothing.
   * @returns the version to store
   */
  private checkConsent(version: string | undefined): string {
    if (version === undefined || version === '') {
      throw new ApiError(400, 'CONSENT_REQUIRED', 'Send consentVersion: the version of the data notice the person agreed to');
    }
    if (this.consentVersions.indexOf(version) < 0) {
      throw new ApiError(409, 'CONSENT_OUTDATED', 'consentVersion names a data notice this server no longer shows; show GET /api/consent-notice and ask again');
    }
    return version;
  }

  /**
   * PIPL art. 31: a holder under 14 (Beijing time, from the number's birth date) is refused
   * with MINOR_POLICY=refuse, and needs `guardianConsent: true` with guardian-consent. A
   * number without a birth date is not checked.
   * @returns whether a guardian's consent is to be stored with the verification
   */
  private applyMinorPolicy(certNo: string, consentGiven: boolean, now: Date): boolean {
    const age = ageInBeijing(certNo, now);
    if (age === undefined || age >= GUARDIAN_CONSENT_AGE) return false;
    if (this.deps.minorPolicy === 'refuse') {
      throw new ApiError(400, 'CERT_NO_MINOR', 'This service does not verify people under 14');
    }
    if (!consentGiven) {
      throw new ApiError(400, 'GUARDIAN_CONSENT_REQUIRED', 'The holder is under 14: send guardianConsent: true once the guardian has agreed');
    }
    return true;
  }

  /**
   * Reuses the same person's live verification (unless it is the one the request replaces), or
   * initializes a new one. Concurrent starts for
   * the same person run one after the other, so the second finds the first's and reuses it.
   */
  private start(request: StartRequest): Promise<CreateVerificationResult> {
    const certNoHmac = this.hashCertNo(request.identity.certNo);
    const identityHmac = this.hmac('identity', `${request.identity.certName}\n${request.identity.certNo}`);
    const { userId, bizCode, identity } = request;
    const subject = [userId, identityHmac, bizCode, identity.certType].join('\n');
    return runAlone(this.starting, subject, async () => {
      const live = await this.deps.repository.findLiveVerification({
        userId,
        certNoHmac,
        identityHmac,
        bizCode,
        certType: identity.certType,
        expiresAfter: this.deps.clock() + REUSE_MIN_REMAINING_MS,
      });
      // A certifyId Alipay refused is live on paper only: reusing it would hand back the refused face check.
      if (live && live.id !== request.replaces) return this.reuse(live, request.idempotency);
      return this.initialize(request, certNoHmac, identityHmac);
    });
  }

  /**
   * The live verification with a newly signed certify URL for its certifyId: a local
   * signature, no Alipay call, nothing counted against the rate limits (no money is spent).
   * Stored under the Idempotency-Key like a creation, so a replay of that key answers the same.
   * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
   */
  private async reuse(record: VerificationRecord, idempotency?: { key: string; bodyHash: string }): Promise<CreateVerificationResult> {
    const response: CreateVerificationResponse = {
      verificationId: record.id,
      certifyId: record.certifyId,
      url: await this.deps.alipay.buildCertifyUrl(record.certifyId),
      expiresAt: new Date(record.expiresAt).toISOString(),
      reused: true,
    };
    if (idempotency) {
      const stored = await this.deps.repository.insertIdempotency({
        userId: record.userId,
        key: idempotency.key,
        bodyHash: idempotency.bodyHash,
        statusCode: 200,
        responseJson: JSON.stringify(response),
        createdAt: this.deps.clock(),
      });
      if (!stored) return this.replayWinner(record.userId, idempotency);
    }
    return { statusCode: 200, response, replayed: false };
  }

  /** Another process stored this key between our lookup and our insert: answer as it did. */
  private async replayWinner(userId: string, idempotency: { key: string; bodyHash: string }): Promise<CreateVerificationResult> {
    const winner = await this.deps.repository.findIdempotency(userId, idempotency.key);
    if (!winner) throw new Error('Idempotency record vanished after a key conflict');
    return this.replay(winner.bodyHash, idempotency.bodyHash, winner.statusCode, winner.responseJson);
  }

  private replay(storedHash: string, bodyHash: string, statusCode: number, responseJson: string): CreateVerificationResult {
    if (storedHash !== bodyHash) {
      throw new ApiError(409, 'IDEMPOTENCY_MISMATCH', 'This Idempotency-Key was used with a different body');
    }
    return { statusCode, response: JSON.parse(responseJson) as CreateVerificationResponse, replayed: true };
  }

  private async initialize(request: StartRequest, certNoHmac: string, identityHmac: string): Promise<CreateVerificationResult> {
    const { deps } = this;
    const { userId, bizCode, identity, idempotency } = request;
    const windowMs = deps.rateLimits.windowSeconds * 1000;
    const retryAfter = await deps.rateLimiter.consume([
      { key: `user:${userId}`, limit: deps.rateLimits.perUser, windowMs },
      { key: `cert:${certNoHmac}`, limit: deps.rateLimits.perCertNo, windowMs },
    ]);
    if (retryAfter !== undefined) throw rateLimited(retryAfter);

    let attempt: InitializeAttempt | undefined;
    const initialized = await withRetries(
      { retries: deps.initializeRetries, baseDelayMs: deps.retryBaseDelayMs, sleep: deps.sleep, random: deps.random },
      async () => {
        attempt = await this.writeAheadAttempt(userId, certNoHmac, idempotency?.key ?? null);
        try {
          return await deps.alipay.initializeCertify({ outerOrderNo: attempt.outerOrderNo, bizCode, identity, returnUrl: deps.returnUrl });
        } catch (error) {
          // If this write fails too, the attempt stays INITIALIZING and the sweep settles it.
          await deps.repository.failAttempt(attempt.id, attemptFailureCode(error), deps.clock()).catch(() => undefined);
          throw error;
        }
      },
    );
    const paid = attempt as InitializeAttempt;
    const url = await deps.alipay.buildCertifyUrl(initialized.certifyId);
    const now = deps.clock();
    const record: VerificationRecord = {
      id: paid.id,
      userId,
      outerOrderNo: paid.outerOrderNo,
      certifyId: initialized.certifyId,
      certType: identity.certType,
      bizCode,
      certNoHmac,
      identityHmac,
      certNoMasked: maskCertNo(identity.certNo),
      status: 'PENDING',
      createdAt: now,
      updatedAt: now,
      expiresAt: now + CERTIFY_ID_LIFETIME_MS,
      alipayTraceId: initialized.traceId ?? null,
      guardianConsent: request.guardianConsent,
      consentVersion: request.consent.version,
      consentedAt: request.consent.at,
    };
    const response: CreateVerificationResponse = {
      verificationId: record.id,
      certifyId: record.certifyId,
      url,
      expiresAt: new Date(record.expiresAt).toISOString(),
    };
    const stored = await deps.repository.completeAttempt(record, {
      idempotency: idempotency && {
        userId,
        key: idempotency.key,
        bodyHash: idempotency.bodyHash,
        statusCode: 201,
        responseJson: JSON.stringify(response),
        createdAt: now,
      },
      nextCheckAt: nextCheckAt(deps.reconcileScheduleMs ?? DEFAULT_RECONCILE_SCHEDULE_MS, now, record.expiresAt, 0),
    });
    if (!stored && idempotency) {
      this.audit(record, null, 'PENDING', record.alipayTraceId);
      return this.replayWinner(userId, idempotency);
    }
    this.audit(record, null, 'PENDING', record.alipayTraceId);
    return { statusCode: 201, response, replayed: false };
  }

  /**
   * Writes down the paid call about to be made (INITIALIZING), committed before it is made.
   * @throws ApiError IDEMPOTENCY_IN_PROGRESS when another process has one in flight for this key
   */
  private async writeAheadAttempt(userId: string, certNoHmac: string, idempotencyKey: string | null): Promise<InitializeAttempt> {
    const at = this.deps.clock();
    const attempt: InitializeAttempt = {
      id: newUuidV7(),
      userId,
      outerOrderNo: newOuterOrderNo(at),
      certNoHmac,
      idempotencyKey,
      state: 'INITIALIZING',
      errorCode: null,
      createdAt: at,
      updatedAt: at,
    };
    if (!(await this.deps.repository.insertAttempt(attempt))) throw idempotencyInProgress();
    // Another process may have answered this key between our look and our write-ahead (its
    // attempt settled, so the unique index let ours in): then no call is made, and the caller
    // replays its answer. Read after our attempt committed, so that answer cannot be missed.
    if (idempotencyKey !== null && (await this.deps.repository.findIdempotency(userId, idempotencyKey))) {
      await this.deps.repository.failAttempt(attempt.id, 'IDEMPOTENCY_REPLAYED', this.deps.clock());
      throw idempotencyInProgress();
    }
    return attempt;
  }

  /**
   * Settles as FAILED (INTERRUPTED) the attempts a dead process left INITIALIZING: the paid call
   * was made or not, but its answer is lost, so no verification can come of it. Run at start
   * and by the reconciler.
   * @returns how many were settled
   */
  async failInterruptedAttempts(): Promise<number> {
    const now = this.deps.clock();
    return this.deps.repository.failInterruptedAttempts(now - (this.deps.interruptedAfterMs ?? DEFAULT_INTERRUPTED_AFTER_MS), now);
  }

  /**
   * Re-queries a PENDING verification for the reconciler, sharing the single flight and the
   * query cache of client polls (one Alipay call for both): a verification a poll asked about
   * within QUERY_CACHE_MS is answered from the store.
   * @returns the record as it stands after the query
   * @throws UpstreamError when Alipay could not answer (after the query retries)
   */
  async reconcile(record: VerificationRecord): Promise<VerificationRecord> {
    // A poll has just asked (or is asking): its answer is the reconciler's too.
    if (this.isCached(record.id) && !this.refreshing.has(record.id)) {
      return (await this.deps.repository.findVerification(record.id)) ?? record;
    }
    return this.refreshOnce(record);
  }

  /**
   * The caller's verification, refreshed from Alipay while PENDING (at most once per
   * queryCacheMs, one call for concurrent polls). Another user's id is "not found".
   */
  async getVerification(userId: string, verificationId: string): Promise<VerificationView> {
    let record = await this.deps.repository.findVerification(verificationId);
    if (!record || record.userId !== userId) throw notFound();
    if (record.status === 'PENDING' && !this.isCached(record.id)) record = await this.refreshOnce(record);
    return {
      verificationId: record.id,
      status: record.status,
      certNoMasked: record.certNoMasked,
      updatedAt: new Date(record.updatedAt).toISOString(),
    };
  }

  /**
   * A newly signed certify URL for the caller's verification and its same certifyId: a local
   * signature with a fresh timestamp, no Alipay call and no initialize, so a retry (after a
   * 6002) never opens a URL signed minutes or hours ago. Another user's id is "not found".
   * Decided on the stored record alone (no query): a final status, or a certifyId past its
   * lifetime, is 409 VERIFICATION_CLOSED, and the client then reads the status, whose lookup
   * settles a stored PENDING that has expired.
   * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
   */
  async renewCertifyUrl(userId: string, verificationId: string): Promise<CertifyUrlResponse> {
    const record = await this.deps.repository.findVerification(verificationId);
    if (!record || record.userId !== userId) throw notFound();
    if (record.status !== 'PENDING' || this.deps.clock() >= record.expiresAt) {
      throw new ApiError(409, 'VERIFICATION_CLOSED', 'This verification has a final status or its certifyId has expired; read its status instead');
    }
    return {
      verificationId: record.id,
      certifyId: record.certifyId,
      url: await this.deps.alipay.buildCertifyUrl(record.certifyId),
      expiresAt: new Date(record.expiresAt).toISOString(),
    };
  }

  private isCached(id: string): boolean {
    const last = this.lastQueriedAt.get(id);
    return last !== undefined && this.deps.clock() - last < this.deps.queryCacheMs;
  }

  private refreshOnce(record: VerificationRecord): Promise<VerificationRecord> {
    const inFlight = this.refreshing.get(record.id);
    if (inFlight) return inFlight;
    const flight = this.refresh(record).finally(() => this.refreshing.delete(record.id));
    this.refreshing.set(record.id, flight);
    return flight;
  }

  private async refresh(record: VerificationRecord): Promise<VerificationRecord> {
    const { deps } = this;
    // Remembered before the call, so a failing Alipay is not asked again (with retries) by
    // every poll: within QUERY_CACHE_MS polls get the stored PENDING, which is still true.
    this.rememberQuery(record.id, deps.clock());
    // Another process asked (or is asking) within QUERY_CACHE_MS: its answer is in the store, or soon will be.
    if (deps.claimQuery && !(await deps.claimQuery(record.id, Math.max(1, deps.queryCacheMs)))) {
      return (await deps.repository.findVerification(record.id)) ?? record;
    }
    const result: CertifyQueryResult = await withRetries(
      { retries: deps.queryRetries, baseDelayMs: deps.retryBaseDelayMs, sleep: deps.sleep, random: deps.random },
      () => deps.alipay.queryCertify(record.certifyId),
    );
    const now = deps.clock();
    let to: VerificationStatus = 'PENDING';
    if (result.passed) to = 'PASSED';
    // 'F' only means "not passed yet": the person may still finish until the certifyId expires.
    else if (now >= record.expiresAt) to = result.failReason ? 'FAILED' : 'EXPIRED';
    if (to === 'PENDING') return record;
    const traceId = result.traceId ?? null;
    // lastQueriedAt stays set: a poll that read the record just before this change answers
    // from it for QUERY_CACHE_MS instead of asking Alipay again.
    const changed = await deps.repository.completeVerification({
      id: record.id,
      to,
      updatedAt: now,
      alipayTraceId: traceId,
      event: deps.webhookEvents ? verificationEvent(record, to, now) : undefined,
    });
    if (!changed) return (await deps.repository.findVerification(record.id)) ?? record;
    this.audit(record, 'PENDING', to, traceId);
    return { ...record, status: to, updatedAt: now, alipayTraceId: traceId };
  }

  private rememberFailure(flightKey: string, bodyHash: string, error: unknown): void {
    const now = this.deps.clock();
    if (this.recentFailures.size > 10_000) {
      for (const [key, failure] of this.recentFailures) if (now - failure.at >= FAILURE_SHARED_FOR_MS) this.recentFailures.delete(key);
    }
    this.recentFailures.set(flightKey, { bodyHash, error, at: now });
  }

  private rememberQuery(id: string, now: number): void {
    if (this.lastQueriedAt.size > 10_000) {
      for (const [key, at] of this.lastQueriedAt) if (now - at >= this.deps.queryCacheMs) this.lastQueriedAt.delete(key);
    }
    this.lastQueriedAt.set(id, now);
  }

  private audit(record: VerificationRecord, from: VerificationStatus | null, to: VerificationStatus, alipayTraceId: string | null): void {
    this.deps.audit({
      event: 'verification.status',
      verificationId: record.id,
      userId: record.userId,
      from,
      to,
      at: new Date(this.deps.clock()).toISOString(),
      alipayTraceId,
    });
  }
}
