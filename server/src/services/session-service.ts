/**
 * Sessions: an Alipay auth code becomes an opaque bearer token bound to the Alipay user.
 * Only the token's SHA-256 is stored, so a copy of the database cannot impersonate anyone.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.system.oauth.token
 */
import { createHash, randomBytes } from 'node:crypto';
import { CreateSessionResponse } from '../../../utils/api-contract';
import { AlipayGateway, AuthCodeExchange } from '../alipay/alipay-client';
import { UpstreamError } from '../alipay/upstream-error';
import { Clock } from '../clock';
import { ApiError, unauthorized } from '../errors';
import { Repository } from '../store/repository';
import { SessionCache } from './session-cache';

/** Sub-codes with which Alipay refuses the auth code itself (used, expired, or not ours). */
const AUTH_CODE_SUB_CODES = ['isv.code-invalid', 'isv.grant-type-invalid', 'isv.auth-code-expired', 'isv.app-unauthorized'];

/**
 * The identity a session is bound to: `uid:<user_id>` when Alipay gave a user_id, else
 * `oid:<open_id>`. The two live in separate namespaces, so an open_id can never be taken for
 * a user_id of the same text, and the prefix records which one it was.
 */
export function sessionSubjectOf(exchange: AuthCodeExchange): string | undefined {
  if (exchange.userId) return `uid:${exchange.userId}`;
  if (exchange.openId) return `oid:${exchange.openId}`;
  return undefined;
}

/** SHA-256 (hex) of a bearer token: the only form of it that is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionServiceDeps {
  repository: Repository;
  alipay: AlipayGateway;
  clock: Clock;
  ttlSeconds: number;
  /** Sessions remembered between requests (session-cache.ts says why that is safe); default a fresh one. */
  cache?: SessionCache;
}

/** Opens sessions from auth codes and resolves bearer tokens to the subject (see sessionSubjectOf). */
export class SessionService {
  private readonly cache: SessionCache;

  constructor(private readonly deps: SessionServiceDeps) {
    this.cache = deps.cache ?? new SessionCache();
  }

  /** Exchanges the auth code with Alipay and opens a session for that user. */
  async createSession(authCode: string): Promise<{ userId: string; response: CreateSessionResponse }> {
    let exchange: AuthCodeExchange;
    try {
      exchange = await this.deps.alipay.exchangeAuthCode(authCode);
    } catch (error) {
      if (error instanceof UpstreamError && error.kind === 'rejected' && AUTH_CODE_SUB_CODES.indexOf(error.detail.subCode ?? '') >= 0) {
        throw new ApiError(400, 'AUTH_CODE_INVALID', 'The auth code is invalid or was already used; get a new one', {}, { cause: error });
      }
      throw error;
    }
    const userId = sessionSubjectOf(exchange);
    if (!userId) {
      throw new UpstreamError('rejected', 'Alipay returned neither user_id nor open_id', { traceId: exchange.traceId, subCode: 'missing-user-identity' });
    }
    const token = randomBytes(32).toString('base64url');
    const now = this.deps.clock();
    const expiresAt = now + this.deps.ttlSeconds * 1000;
    const session = { tokenHash: hashToken(token), userId, createdAt: now, expiresAt };
    await this.deps.repository.insertSession(session);
    // The client's next request (POST /api/verifications) then needs no store read.
    this.cache.remember(session, this.deps.clock());
    return { userId, response: { token, expiresAt: new Date(expiresAt).toISOString() } };
  }

  /**
   * The user behind an `Authorization: Bearer <token>` header: from the session cache when it
   * remembers the token, else from the store (one read per token and cache TTL, not per request).
   * @throws ApiError 401 UNAUTHORIZED when the header is missing or malformed, or the token unknown or expired
   */
  async authenticate(authorization: string | undefined): Promise<string> {
    const match = /^Bearer ([A-Za-z0-9_-]{20,128})$/.exec(authorization ?? '');
    if (!match) throw unauthorized();
    const tokenHash = hashToken(match[1]);
    const remembered = this.cache.find(tokenHash, this.deps.clock());
    if (remembered) return remembered.userId;
    const session = await this.deps.repository.findSession(tokenHash);
    const now = this.deps.clock();
    if (!session || session.expiresAt <= now) throw unauthorized();
    this.cache.remember(session, now);
    return session.userId;
  }
}
