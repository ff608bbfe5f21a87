/**
 * Request and response schemas of the API, as plain JSON Schema. They validate requests,
 * serialize answers and produce the OpenAPI document. Handler types come from
 * utils/api-contract.ts; server/tests/schemas.test.ts checks that each schema names exactly
 * the contract's fields.
 *
 * Plain objects rather than TypeBox builders: typebox 1.x ships as ES modules only, which
 * jest 29 cannot require, and the schemas are small enough to read as JSON.
 */
import { CONSENT_LANGUAGES } from '../../utils/consent-notice';
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
    replaces: {
      type: 'string',
      maxLength: 64,
      description: 'The verificationId this request replaces because Alipay refused its certifyId: it is not reused, a new verification starts (a new paid initialize)',
    },
    // Not in `required`: a missing one is refused as CONSENT_REQUIRED, by name, not as VALIDATION_FAILED.
    consentVersion: {
      type: 'string',
      maxLength: 64,
      description: 'The version of the data notice the person agreed to (GET /api/consent-notice); missing: 400 CONSENT_REQUIRED, not current: 409 CONSENT_OUTDATED',
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

export const ConsentNoticeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    lang: {
      type: 'string',
      enum: [...CONSENT_LANGUAGES],
      description: 'The notice\'s language; without it, the first supported one in Accept-Language (en* → en-US, zh* → zh-CN), else zh-CN',
    },
  },
} as const;

export const ConsentNoticeReply = {
  type: 'object',
  required: ['language', 'version', 'text'],
  properties: {
    language: { type: 'string', enum: [...CONSENT_LANGUAGES] },
    version: { type: 'string', pattern: '^[0-9a-f]{16}$', description: 'The first 16 hex characters of the SHA-256 of text (UTF-8); send it as consentVersion' },
    text: { type: 'string', description: 'The notice as plain text, paragraphs separated by blank lines' },
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
  required: ['mode', 'appId', 'oauthAuthorizeUrl', 'branding', 'minorPolicy'],
  properties: {
    mode: { type: 'string', enum: ['emulator', 'alipay'] },
    appId: { type: 'string' },
    oauthAuthorizeUrl: { type: 'string' },
    doneUrl: { type: 'string', format: 'uri', description: 'Where 完成 on the verified screen goes (H5_DONE_URL); absent when none is configured' },
    branding: {
      type: 'object',
      required: ['merchantName', 'dataController', 'contact', 'retentionDays'],
      description: 'Who the person is dealing with: the header, and the data notice the clients build from it (utils/consent-notice.ts consentNoticeFor)',
      properties: {
        merchantName: { type: 'string', description: 'MERCHANT_NAME' },
        dataController: { type: 'string', description: 'DATA_CONTROLLER, default MERCHANT_NAME' },
        contact: { type: 'string', description: 'MERCHANT_CONTACT: where questions about personal data go' },
        logoUrl: { type: 'string', description: 'MERCHANT_LOGO_URL: an https URL or a path on this server; absent for none' },
        retentionDays: { type: 'integer', minimum: 1, description: 'RETENTION_DAYS: how long verification records are kept' },
      },
    },
    minorPolicy: { type: 'string', enum: ['guardian-consent', 'refuse'], description: 'MINOR_POLICY: what the server does for a holder under 14' },
  },
} as const;

export const HealthReply = {
  type: 'object',
  required: ['status', 'mode'],
  properties: { status: { type: 'string', enum: ['ok'] }, mode: { type: 'string' } },
} as const;
