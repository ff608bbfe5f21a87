/**
 * Verifications: a name and an ID number become a certifyId and a signed certify URL in one
 * request; later, Alipay's own record (query) decides whether the person passed. The raw
 * name and number live only for the initialize call and are never stored or logged.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  CERTIFY_ID_LIFETIME_MS,
  CertifyUrlResponse,
  CreateVerificationRequest,
  CreateVerificationResponse,
  VerificationStatus,
  VerificationView,
} from '../../../utils/api-contract';
import { maskCertNo, validateIdentity, ValidIdentity } from '../../../utils/identity';
import { AlipayGateway, CertifyQueryResult } from '../alipay/alipay-client';
import { formatBeijingTimestamp } from '../alipay/beijing-time';
import { withRetries } from '../alipay/retry';
import { Clock, RandomSource, Sleeper } from '../clock';
import { RateLimitConfig } from '../config';
import { ApiError, notFound, rateLimited } from '../errors';
import { RateLimiter } from '../plugins/rate-limiter';
import { Repository, VerificationRecord } from '../store/repository';

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
  rateLimiter: RateLimiter;
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
  audit: (entry: AuditEntry) => void;
}

export interface CreateVerificationResult {
  statusCode: number;
  response: CreateVerificationResponse;
  /** True when the answer is a stored one replayed for the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * A fresh outer_order_no: "IV", the Beijing time to the second and 16 random hex characters,
 * 32 alphanumerics in all, so it sorts by time and never repeats.
 */
export function newOuterOrderNo(now: number): string {
  return `IV${formatBeijingTimestamp(now).replace(/\D/g, '')}${randomBytes(8).toString('hex')}`;
}

function canonicalJson(value: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(value).sort().reduce<Record<string, unknown>>((sorted, key) => {
    sorted[key] = value[key];
    return sorted;
  }, {}));
}

function identityRejection(errors: ReturnType<typeof validateIdentity> & { ok: false }): ApiError {
  const error = errors.errors.certName ?? errors.errors.certNo;
  if (!error) return new ApiError(400, 'VALIDATION_FAILED', 'Invalid identity');
  return new ApiError(400, error.code, error.message);
}

/** Creates verifications and answers their status; the only place that decides PASSED. */
export class VerificationService {
  /** In-flight creations by user and Idempotency-Key: concurrent duplicates share one initialize. */
  private readonly creating = new Map<string, Promise<CreateVerificationResult>>();
  /** In-flight queries by verification id: concurrent polls share one Alipay call. */
  private readonly refreshing = new Map<string, Promise<VerificationRecord>>();
  /** When each pending verification was last queried, for the query cache. */
  private readonly lastQueriedAt = new Map<string, number>();

  constructor(private readonly deps: VerificationServiceDeps) {}

  private hmac(purpose: string, text: string): string {
    return createHmac('sha256', this.deps.pepper).update(`${purpose}\n${text}`).digest('hex');
  }

  /** HMAC-SHA256 of a normalized ID number: the only form of it used as a key. */
  hashCertNo(certNo: string): string {
    return this.hmac('cert-no', certNo);
  }

  /**
   * Validates, calls initialize (retried only after a 20000, each time with a new
   * outer_order_no), signs the certify URL and stores the verification before answering.
   */
  async createVerification(userId: string, body: CreateVerificationRequest, idempotencyKey?: string): Promise<CreateVerificationResult> {
    const bizCode = body.bizCode ?? 'FACE';
    if (this.deps.bizCodeAllowlist.indexOf(bizCode) < 0) {
      throw new ApiError(400, 'BIZ_CODE_NOT_ALLOWED', 'This bizCode is not enabled on this server');
    }
    const check = validateIdentity(body, new Date(this.deps.clock()));
    if (!check.ok) throw identityRejection(check);
    if (idempotencyKey === undefined) return this.initialize(userId, bizCode, check.value);

    const bodyHash = this.hmac('body', canonicalJson({ ...body }));
    const flightKey = `${userId}\n${idempotencyKey}`;
    for (;;) {
      const inFlight = this.creating.get(flightKey);
      if (!inFlight) break;
      await inFlight.catch(() => undefined);
    }
    // Registered before any await, so a concurrent duplicate always finds it and waits.
    const flight = (async () => {
      const stored = await this.deps.repository.findIdempotency(userId, idempotencyKey);
      if (stored) return this.replay(stored.bodyHash, bodyHash, stored.statusCode, stored.responseJson);
      return this.initialize(userId, bizCode, check.value, { key: idempotencyKey, bodyHash });
    })();
    this.creating.set(flightKey, flight);
    try {
      return await flight;
    } finally {
      this.creating.delete(flightKey);
    }
  }

  private replay(storedHash: string, bodyHash: string, statusCode: number, responseJson: string): CreateVerificationResult {
    if (storedHash !== bodyHash) {
      throw new ApiError(409, 'IDEMPOTENCY_MISMATCH', 'This Idempotency-Key was used with a different body');
    }
    return { statusCode, response: JSON.parse(responseJson) as CreateVerificationResponse, replayed: true };
  }

  private async initialize(
    userId: string,
    bizCode: string,
    identity: ValidIdentity,
    idempotency?: { key: string; bodyHash: string },
  ): Promise<CreateVerificationResult> {
    const { deps } = this;
    const certNoHmac = this.hashCertNo(identity.certNo);
    const windowMs = deps.rateLimits.windowSeconds * 1000;
    const retryAfter = deps.rateLimiter.consume([
      { key: `user:${userId}`, limit: deps.rateLimits.perUser, windowMs },
      { key: `cert:${certNoHmac}`, limit: deps.rateLimits.perCertNo, windowMs },
    ]);
    if (retryAfter !== undefined) throw rateLimited(retryAfter);

    let outerOrderNo = '';
    const initialized = await withRetries(
      { retries: deps.initializeRetries, baseDelayMs: deps.retryBaseDelayMs, sleep: deps.sleep, random: deps.random },
      () => {
        outerOrderNo = newOuterOrderNo(deps.clock());
        return deps.alipay.initializeCertify({ outerOrderNo, bizCode, identity, returnUrl: deps.returnUrl });
      },
    );
    const url = deps.alipay.buildCertifyUrl(initialized.certifyId);
    const now = deps.clock();
    const record: VerificationRecord = {
      id: randomUUID(),
      userId,
      outerOrderNo,
      certifyId: initialized.certifyId,
      certType: identity.certType,
      bizCode,
      certNoHmac,
      certNoMasked: maskCertNo(identity.certNo),
      status: 'PENDING',
      createdAt: now,
      updatedAt: now,
      expiresAt: now + CERTIFY_ID_LIFETIME_MS,
      alipayTraceId: initialized.traceId ?? null,
    };
    const response: CreateVerificationResponse = {
      verificationId: record.id,
      certifyId: record.certifyId,
      url,
      expiresAt: new Date(record.expiresAt).toISOString(),
    };
    const stored = await deps.repository.insertVerification(
      record,
      idempotency && {
        userId,
        key: idempotency.key,
        bodyHash: idempotency.bodyHash,
        statusCode: 201,
        responseJson: JSON.stringify(response),
        createdAt: now,
      },
    );
    if (!stored && idempotency) {
      // Another process stored this key between our lookup and our insert: answer as it did.
      const winner = await deps.repository.findIdempotency(userId, idempotency.key);
      if (winner) return this.replay(winner.bodyHash, idempotency.bodyHash, winner.statusCode, winner.responseJson);
    }
    this.audit(record, null, 'PENDING', record.alipayTraceId);
    return { statusCode: 201, response, replayed: false };
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
      url: this.deps.alipay.buildCertifyUrl(record.certifyId),
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
    const changed = await deps.repository.completeVerification({ id: record.id, to, updatedAt: now, alipayTraceId: traceId });
    this.lastQueriedAt.delete(record.id);
    if (!changed) return (await deps.repository.findVerification(record.id)) ?? record;
    this.audit(record, 'PENDING', to, traceId);
    return { ...record, status: to, updatedAt: now, alipayTraceId: traceId };
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
