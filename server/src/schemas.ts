/**
 * Request and response schemas of the API (TypeBox → JSON Schema). They validate requests,
 * serialize answers and produce the OpenAPI document; the TS types they imply are checked
 * against utils/api-contract.ts in tests/schemas.test.ts.
 */
import { Type } from 'typebox';
import { CERT_TYPES } from '../../utils/identity';

/** Unknown fields are refused, not silently dropped. */
const strict = { additionalProperties: false } as const;

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    subCode: Type.Optional(Type.String()),
  }),
});

export const CreateSessionBody = Type.Object(
  { authCode: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' }) },
  strict,
);

export const CreateSessionReply = Type.Object({ token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) });

export const CreateVerificationBody = Type.Object(
  {
    // Lengths are generous upper bounds; utils/identity.ts decides validity and says why.
    certName: Type.String({ maxLength: 200 }),
    certNo: Type.String({ maxLength: 64 }),
    certType: Type.Optional(Type.Union(CERT_TYPES.map((certType) => Type.Literal(certType)))),
    bizCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z_]+$' })),
  },
  strict,
);

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' })),
});

export const CreateVerificationReply = Type.Object({
  verificationId: Type.String(),
  certifyId: Type.String(),
  url: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const VerificationParams = Type.Object({ verificationId: Type.String({ maxLength: 64 }) }, strict);

export const VerificationReply = Type.Object({
  verificationId: Type.String(),
  status: Type.Union([Type.Literal('PENDING'), Type.Literal('PASSED'), Type.Literal('FAILED'), Type.Literal('EXPIRED')]),
  certNoMasked: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const ClientConfigReply = Type.Object({
  mode: Type.Union([Type.Literal('emulator'), Type.Literal('alipay')]),
  appId: Type.String(),
  oauthAuthorizeUrl: Type.String(),
});

export const HealthReply = Type.Object({ status: Type.Literal('ok'), mode: Type.String() });
