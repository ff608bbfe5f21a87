/** Fixtures and helpers shared by the store and Alipay client tests. */
import { UpstreamError } from '../../src/alipay/upstream-error';
import { VerificationRecord } from '../../src/store/repository';

/** A PENDING verification row with id-derived unique columns; no real name or ID number. */
export function pendingVerification(id: string, overrides: Partial<VerificationRecord> = {}): VerificationRecord {
  return {
    id,
    userId: 'uid:2088000000000001',
    outerOrderNo: `IV${id.padStart(30, '0')}`,
    certifyId: `certify${id}`,
    certType: 'IDENTITY_CARD',
    bizCode: 'FACE',
    certNoHmac: 'hmac',
    identityHmac: 'identity-hmac',
    certNoMasked: '110***********1234',
    status: 'PENDING',
    createdAt: 1000,
    updatedAt: 1000,
    expiresAt: 2000,
    alipayTraceId: null,
    guardianConsent: false,
    consentVersion: 'c0ffee0123456789',
    consentedAt: 1000,
    ...overrides,
  };
}

/** The UpstreamError `promise` rejects with; fails the test if it resolves or rejects otherwise. */
export async function upstreamErrorOf(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}
