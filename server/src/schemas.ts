/**
 * Request and response schemas of the API, as plain JSON Schema. They validate requests,
 * serialize answers and produce the OpenAPI document. Handler types come from
 * utils/api-contract.ts; tests/schemas.test.ts checks that each schema names exactly the
 * contract's fields.
 *
 * Plain objects rather than TypeBox builders: typebox 1.x ships as ES modules only, which
 * jest 30 cannot load on Node 20, and the schemas are small enough to read as JSON.
 */
import { CERT_TYPES } from '../../utils/identity';

const isoDateTime = { type: 'string', format: 'date-time' } as const;

export const ErrorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, subCode: { type: 'string' } },
    },
  },
} as const;

export const CreateSessionBody = {
  type: 'object',
  required: ['authCode'],
  additionalProperties: false,
  properties: { authCode: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' } },
} as const;

export const CreateSessionReply = {
  type: 'object',
  required: ['token', 'expiresAt'],
  properties: { token: { type: 'string' }, expiresAt: isoDateTime },
} as const;

export const CreateVerificationBody = {
  type: 'object',
  required: ['certName', 'certNo'],
  additionalProperties: false,
  properties: {
    // Generous upper bounds only: utils/identity.ts decides validity and says why.
    certName: { type: 'string', maxLength: 200 },
    certNo: { type: 'string', maxLength: 64 },
    certType: { type: 'string', enum: [...CERT_TYPES] },
    bizCode: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[A-Z_]+$' },
    guardianConsent: {
      type: 'boolean',
      description: 'true once the guardian of a holder under 14 (Beijing time) has agreed; required then with MINOR_POLICY=guardian-consent',
    },
  },
} as const;

export const IdempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

export const CreateVerificationReply = {
  type: 'object',
  required: ['verificationId', 'certifyId', 'url', 'expiresAt'],
  properties: {
    verificationId: { type: 'string' },
    certifyId: { type: 'string' },
    url: { type: 'string' },
    expiresAt: isoDateTime,
    reused: {
      type: 'boolean',
      enum: [true],
      description: 'Only on a 200 from POST /api/verifications: a live verification of the same user, name and ID number was reused with a newly signed URL (no new initialize)',
    },
  },
} as const;

export const VerificationParams = {
  type: 'object',
  required: ['verificationId'],
  additionalProperties: false,
  properties: { verificationId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const VerificationReply = {
  type: 'object',
  required: ['verificationId', 'status', 'certNoMasked', 'updatedAt'],
  properties: {
    verificationId: { type: 'string' },
    status: { type: 'string', enum: ['PENDING', 'PASSED', 'FAILED', 'EXPIRED'] },
    certNoMasked: { type: 'string' },
    updatedAt: isoDateTime,
  },
} as const;

export const ClientConfigReply = {
  type: 'object',
  required: ['mode', 'appId', 'oauthAuthorizeUrl'],
  properties: { mode: { type: 'string', enum: ['emulator', 'alipay'] }, appId: { type: 'string' }, oauthAuthorizeUrl: { type: 'string' } },
} as const;

export const HealthReply = {
  type: 'object',
  required: ['status', 'mode'],
  properties: { status: { type: 'string', enum: ['ok'] }, mode: { type: 'string' } },
} as const;
