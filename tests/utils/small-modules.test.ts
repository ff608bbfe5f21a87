/** The small shared modules: uuid and error copy. */
import fc from 'fast-check';
import { ERROR_MESSAGES_EN_US, ERROR_MESSAGES_ZH_CN, describeErrorCode, isRetryableCode } from '../../utils/error-messages';
import { createUuidV4 } from '../../utils/uuid';

describe('createUuidV4', () => {
  it('always yields a version 4, variant 1 uuid', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 16, maxLength: 16 }), (values) => {
        let index = 0;
        const uuid = createUuidV4(() => values[index++]);
        expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }),
    );
  });

  it('differs between calls', () => {
    expect(createUuidV4()).not.toBe(createUuidV4());
  });
});

describe('error messages', () => {
  it('has zh-CN and en-US copy for the same codes', () => {
    expect(Object.keys(ERROR_MESSAGES_ZH_CN).sort()).toEqual(Object.keys(ERROR_MESSAGES_EN_US).sort());
    Object.keys(ERROR_MESSAGES_ZH_CN).forEach((code) => expect(describeErrorCode(code)).toMatch(/[\u4e00-\u9fff]/));
  });

  it('falls back to the generic message for a code this build does not know', () => {
    expect(describeErrorCode('SOMETHING_NEW')).toBe(ERROR_MESSAGES_ZH_CN.INTERNAL_ERROR);
    expect(describeErrorCode('constructor')).toBe(ERROR_MESSAGES_ZH_CN.INTERNAL_ERROR);
  });

  it('treats lost answers as retryable and refusals as final', () => {
    expect(isRetryableCode('NETWORK_ERROR')).toBe(true);
    expect(isRetryableCode('UPSTREAM_TIMEOUT')).toBe(true);
    expect(isRetryableCode('CERT_NO_CHECKSUM')).toBe(false);
    expect(isRetryableCode('IDEMPOTENCY_MISMATCH')).toBe(false);
  });
});
