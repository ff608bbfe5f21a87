/**
 * The merchant's server-to-server API, registered under /api/merchant: its back office reads
 * verifications (with their status history), a user's latest PASSED one, the webhook events
 * whose delivery is dead (and replays them), and deletes one user's records on request (PIPL
 * art. 47). Authenticated by API keys (services/api-keys.ts) in this plugin's own scope, each
 * route naming the scope it needs: 401 for a missing, unknown or revoked key, 403 for a key
 * without the scope. Answers carry the masked ID number only, never a name or a number.
 */
import { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { VerificationStatus } from '../../../utils/api-contract';
import { Clock } from '../clock';
import { ApiError, notFound } from '../errors';
import { ErrorBody } from '../schemas';
import { ApiKeyScope, authenticateApiKey } from '../services/api-keys';
import { Repository, VerificationRecord, WebhookEventRecord } from '../store/repository';
import {
  DeletedRecordsReply,
  MERCHANT_SECURITY,
  MerchantPageQuery,
  MerchantUserParams,
  MerchantVerification,
  MerchantVerificationDetail,
  MerchantVerificationPage,
  MerchantVerificationParams,
  MerchantVerificationQuery,
  WebhookEventPage,
  WebhookEventParams,
  WebhookEventSummary,
} from './merchant-schemas';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API key scope a merchant route needs (routes/merchant.ts). */
    merchantScope?: ApiKeyScope;
  }
}

export interface MerchantRoutesOptions {
  repository: Repository;
  clock: Clock;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
/** "Last used" is written at most this often per key, so reads do not each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

type Cursor = { createdAt: number; id: string };

function encodeCursor(last: Cursor): string {
  return Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url');
}

function decodeCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && Number.isInteger(value[0]) && typeof value[1] === 'string') return { createdAt: value[0] as number, id: value[1] };
  } catch {
    // Reported below, like any other cursor this server did not write.
  }
  throw new ApiError(400, 'VALIDATION_FAILED', 'cursor is not one this API returned');
}

function pageSize(limit: string | undefined): number {
  const size = limit === undefined ? DEFAULT_PAGE_SIZE : Number(limit);
  if (size > MAX_PAGE_SIZE) throw new ApiError(400, 'VALIDATION_FAILED', `limit must be at most ${MAX_PAGE_SIZE}`);
  return size;
}

/** One page and the cursor after it: one more row is read to know whether there is a next page. */
function page<Row extends { createdAt: number; id: string }, Item>(rows: Row[], size: number, view: (row: Row) => Item) {
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return { items: items.map(view), nextCursor: rows.length > size && last ? encodeCursor(last) : null };
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** What the merchant sees of a verification: no HMAC, no certifyId, no name or number. */
function verificationView(record: VerificationRecord) {
  return {
    verificationId: record.id,
    userId: record.userId,
    status: record.status,
    certNoMasked: record.certNoMasked,
    certType: record.certType,
    bizCode: record.bizCode,
    guardianConsent: record.guardianConsent,
    consentVersion: record.consentVersion,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    expiresAt: iso(record.expiresAt),
  };
}

function webhookEventView(event: WebhookEventRecord) {
  return {
    webhookId: event.id,
    type: event.type,
    verificationId: event.verificationId,
    state: event.state,
    attempts: event.attempts,
    lastError: event.lastError,
    createdAt: iso(event.createdAt),
  };
}

function unauthorizedKey(): ApiError {
  return new ApiError(401, 'UNAUTHORIZED', 'A valid merchant API key is required (Authorization: Bearer mk_…)');
}

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

export const merchantRoutes: FastifyPluginAsync<MerchantRoutesOptions> = async (app, { repository, clock }) => {
  // Every route of this scope needs a key and names its scope; a route without one is refused,
  // so a route added here later cannot be public by mistake.
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
    const key = match ? await authenticateApiKey(repository, match[1]) : undefined;
    if (!key) throw unauthorizedKey();
    const scope = request.routeOptions.config.merchantScope;
    if (!scope || !key.scopes.includes(scope)) {
      throw new ApiError(403, 'FORBIDDEN', `This API key lacks the scope ${scope ?? '(none)'}`);
    }
    const now = clock();
    if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS) await repository.touchApiKey(key.id, now);
  });
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });

  app.get<{ Querystring: { status?: VerificationStatus; userId?: string; since?: string; cursor?: string; limit?: string } }>(
    '/verifications',
    {
      config: { merchantScope: 'verifications:read' },
      schema: {
        summary: 'Verifications in creation order, filtered, one page at a time (stable under concurrent inserts)',
        tags: ['merchant'],
        security: MERCHANT_SECURITY,
        querystring: MerchantVerificationQuery,
        response: { 200: MerchantVerificationPage, ...errors },
      },
    },
    async (request) => {
      const { status, userId, since, cursor, limit } = request.query;
      const size = pageSize(limit);
      const rows = await repository.listVerifications({
        status,
        userId,
        since: since === undefined ? undefined : Date.parse(since),
        after: decodeCursor(cursor),
        limit: size + 1,
      });
      return page(rows, size, verificationView);
    },
  );

  app.get<{ Params: { verificationId: string } }>(
    '/verifications/:verificationId',
    {
      config: { merchantScope: 'verifications:read' },
      schema: {
        summary: 'One verification with its status history',
        tags: ['merchant'],
        security: MERCHANT_SECURITY,
        params: MerchantVerificationParams,
        response: { 200: MerchantVerificationDetail, ...errors },
      },
    },
    async (request) => {
      const record = await repository.findVerification(request.params.verificationId);
      if (!record) throw notFound();
      const history = await repository.findStatusHistory(record.id);
      return { ...verificationView(record), statusHistory: history.map((entry) => ({ status: entry.status, at: iso(entry.at) })) };
    },
  );

  app.get<{ Params: { userId: string } }>(
    '/users/:userId/verification',
    {
      config: { merchantScope: 'verifications:read' },
      schema: {
        summary: 'The user\'s latest PASSED verification, or 404 when they have none',
        tags: ['merchant'],
        security: MERCHANT_SECURITY,
        params: MerchantUserParams,
        response: { 200: MerchantVerification, ...errors },
      },
    },
    async (request) => {
      const record = await repository.findLatestPassed(request.params.userId);
      if (!record) throw notFound();
      return verificationView(record);
    },
  );

  app.delete<{ Params: { userId: string } }>(
    '/users/:userId/verifications',
    {
      config: { merchantScope: 'verifications:delete' },
      schema: {
        summary: 'Delete one user\'s verifications with their status history, webhook events and attempts (PIPL art. 47)',
        tags: ['merchant'],
        security: MERCHANT_SECURITY,
        params: MerchantUserParams,
        response: { 200: DeletedRecordsReply, ...errors },
      },
    },
    async (request) => {
      const deleted = await repository.deleteUserRecords(request.params.userId);
      request.log.info({ audit: true, event: 'merchant.user-records-deleted', userId: request.params.userId, deleted }, 'user records deleted on request');
      return { deleted };
    },
  );

  app.get<{ Querystring: { cursor?: string; limit?: string } }>(
    '/webhooks/dead',
    {
      config: { merchantScope: 'webhooks:read' },
      schema: {
        summary: 'Webhook events whose delivery ran out of retries (3 days), oldest first',
        tags: ['merchant'],
        security: MERCHANT_SECURITY,
        querystring: MerchantPageQuery,
        response: { 200: WebhookEventPage, ...errors },
      },
    },
    async (request) => {
      const size = pageSize(request.query.limit);
      const rows = await repository.listWebhookEvents({ state: 'DEAD', after: decodeCursor(request.query.cursor), limit: size + 1 });
      return page(rows, size, webhookEventView);
    },
  );

  app.post<{ Params: { webhookId: string } }>(
    '/webhooks/:webhookId/replay',
    {
      config: { merchantScope: 'webhooks:write' },
      schema: {
        summary: 'Send a dead webhook event again, with the same webhook-id and a new 3-day retry window (202)',
        tags: ['merchant'],
        security: MERCHANT_SECURITY,
        params: WebhookEventParams,
        response: { 202: WebhookEventSummary, ...errors },
      },
    },
    async (request, reply) => {
      const { webhookId } = request.params;
      if (!(await repository.replayWebhookEvent(webhookId, clock()))) throw notFound();
      const event = await repository.findWebhookEvent(webhookId);
      if (!event) throw notFound();
      return reply.code(202).send(webhookEventView(event));
    },
  );
};
