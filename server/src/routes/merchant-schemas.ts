/**
 * Schemas of the merchant API (routes/merchant.ts) and of the webhook body, for validation,
 * serialization and the OpenAPI document. A response schema lists every field an answer may
 * carry, and the serializer drops any other: nothing beyond the masked ID number can leave.
 */
const isoDateTime = { type: 'string', format: 'date-time' } as const;
const status = { type: 'string', enum: ['PENDING', 'PASSED', 'FAILED', 'EXPIRED'] } as const;

/** How a merchant call authenticates: `Authorization: Bearer mk_…` (an API key from `npm run keys -- create`). */
export const MERCHANT_SECURITY = [{ merchantApiKey: [] }];

/** For the OpenAPI document's components.securitySchemes. */
export const MerchantApiKeyScheme = {
  type: 'http',
  scheme: 'bearer',
  description: 'A merchant API key (mk_<id>_<secret>) from `npm run keys -- create`, with the scope each route names',
} as const;

export const MerchantVerification = {
  type: 'object',
  required: ['verificationId', 'userId', 'status', 'certNoMasked', 'certType', 'bizCode', 'createdAt', 'updatedAt', 'expiresAt'],
  properties: {
    verificationId: { type: 'string' },
    userId: { type: 'string', description: 'The Alipay subject: uid:<user_id> or oid:<open_id>' },
    status,
    certNoMasked: { type: 'string', description: 'The ID number, masked; the name and the number itself are never stored' },
    certType: { type: 'string' },
    bizCode: { type: 'string' },
    guardianConsent: { type: 'boolean', description: 'A guardian consented for a holder under 14' },
    consentVersion: { type: ['string', 'null'], description: 'The version of the data notice the person agreed to' },
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    expiresAt: { ...isoDateTime, description: 'When the certifyId stops being usable' },
  },
} as const;

export const MerchantVerificationDetail = {
  type: 'object',
  required: [...MerchantVerification.required, 'statusHistory'],
  properties: {
    ...MerchantVerification.properties,
    statusHistory: {
      type: 'array',
      description: 'Every status the verification had, oldest first',
      items: { type: 'object', required: ['status', 'at'], properties: { status, at: isoDateTime } },
    },
  },
} as const;

const cursorPage = (items: object) =>
  ({
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items },
      nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null on the last page' },
    },
  }) as const;

export const MerchantVerificationPage = cursorPage(MerchantVerification);

const cursor = { type: 'string', maxLength: 200, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: 'Page size, 1 to 200 (default 50)' } as const;

export const MerchantVerificationQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status,
    userId: { type: 'string', minLength: 1, maxLength: 128 },
    since: { ...isoDateTime, description: 'Only verifications created at or after this time' },
    cursor,
    limit,
  },
} as const;

export const MerchantPageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { cursor, limit },
} as const;

export const MerchantVerificationParams = {
  type: 'object',
  required: ['verificationId'],
  additionalProperties: false,
  properties: { verificationId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const MerchantUserParams = {
  type: 'object',
  required: ['userId'],
  additionalProperties: false,
  properties: { userId: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export const WebhookEventParams = {
  type: 'object',
  required: ['webhookId'],
  additionalProperties: false,
  properties: { webhookId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const DeletedRecordsReply = {
  type: 'object',
  required: ['deleted'],
  properties: {
    deleted: {
      type: 'object',
      required: ['verifications', 'webhookEvents', 'attempts'],
      properties: { verifications: { type: 'integer' }, webhookEvents: { type: 'integer' }, attempts: { type: 'integer' } },
    },
  },
} as const;

export const WebhookEventSummary = {
  type: 'object',
  required: ['webhookId', 'type', 'verificationId', 'state', 'attempts', 'lastError', 'createdAt'],
  properties: {
    webhookId: { type: 'string', description: 'The webhook-id header it is sent with (kept by a replay)' },
    type: { type: 'string', enum: ['verification.passed', 'verification.expired', 'verification.failed'] },
    verificationId: { type: 'string' },
    state: { type: 'string', enum: ['PENDING', 'DELIVERED', 'DEAD'] },
    attempts: { type: 'integer' },
    lastError: { type: ['string', 'null'], description: 'HTTP <status>, timeout or network' },
    createdAt: isoDateTime,
  },
} as const;

export const WebhookEventPage = cursorPage(WebhookEventSummary);

/** The JSON body POSTed to WEBHOOK_URL (webhooks/events.ts), for the OpenAPI document. */
export const WebhookEventBody = {
  type: 'object',
  required: ['type', 'timestamp', 'data'],
  properties: {
    type: { type: 'string', enum: ['verification.passed', 'verification.expired', 'verification.failed'] },
    timestamp: isoDateTime,
    data: {
      type: 'object',
      required: ['verificationId', 'userId', 'status', 'certNoMasked', 'updatedAt'],
      properties: {
        verificationId: { type: 'string' },
        userId: { type: 'string' },
        status: { type: 'string', enum: ['PASSED', 'FAILED', 'EXPIRED'] },
        certNoMasked: { type: 'string' },
        updatedAt: isoDateTime,
      },
    },
  },
} as const;
