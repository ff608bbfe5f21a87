/**
 * The schema and the shared validator refuse bad input with the right code: unknown fields,
 * wrong types, oversize bodies, wrong content types, invalid ID numbers and names. Refusals
 * never echo the submitted value, and no initialize is made for them.
 */
import { IDENTITY_MESSAGES_ZH_CN } from '../../utils/identity';
import { makeCertNo, TEST_NAMES, withCheckCharacter } from '../../tests/support/identities';
import { CURRENT_CONSENT_VERSION, expectNoSecretsInLogs, Harness, startHarness } from './support/harness';

const valid = { certName: TEST_NAMES[2], certNo: makeCertNo(401), consentVersion: CURRENT_CONSENT_VERSION };
const wrongCheck = (() => {
  const number = makeCertNo(402);
  const last = number.charAt(17) === '0' ? '1' : '0';
  return number.slice(0, 17) + last;
})();

let harness: Harness;
let token: string;

beforeAll(async () => {
  harness = await startHarness();
  token = await harness.login();
});

afterAll(async () => {
  await harness.close();
  expectNoSecretsInLogs([valid.certName, valid.certNo, wrongCheck, ...TEST_NAMES, 'JOHN', 'NEIL']);
});

async function post(payload: unknown, headers: Record<string, string> = {}) {
  return harness.request({ method: 'POST', url: '/api/verifications', headers: { authorization: `Bearer ${token}`, ...headers }, payload });
}

describe('schema', () => {
  it.each([
    ['an unknown field', { ...valid, phone: '13800000000' }],
    ['a number as certName', { ...valid, certName: 12345 }],
    ['an array as certNo', { ...valid, certNo: [valid.certNo] }],
    ['a missing certNo', { certName: valid.certName }],
    ['an unknown certType', { ...valid, certType: 'PASSPORT' }],
    ['a lowercase bizCode', { ...valid, bizCode: 'face' }],
    ['a top-level array', [valid]],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, payload) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
    expect(harness.initializeCalls).toHaveLength(0);
  });

  it('refuses an unknown field on the session body too', async () => {
    const response = await harness.request({ method: 'POST', url: '/api/sessions', payload: { authCode: 'abc', extra: true } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a body over 4 KB with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await post({ ...valid, certName: '测'.repeat(3000) });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['text/plain', JSON.stringify(valid)],
    ['application/x-www-form-urlencoded', 'certName=a&certNo=b'],
    ['application/xml', '<v/>'],
  ])('refuses %s with 415 UNSUPPORTED_MEDIA_TYPE', async (contentType, payload) => {
    const response = await post(payload, { 'content-type': contentType });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses malformed JSON with 400 VALIDATION_FAILED', async () => {
    const response = await post('{"certName":', { 'content-type': 'application/json' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses an Idempotency-Key with characters outside [A-Za-z0-9_-]', async () => {
    const response = await post(valid, { 'idempotency-key': 'key with spaces' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a bizCode outside the allowlist with 400 BIZ_CODE_NOT_ALLOWED', async () => {
    const response = await post({ ...valid, bizCode: 'SMART_FACE' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('BIZ_CODE_NOT_ALLOWED');
  });

  it('answers unknown routes with 404 NOT_FOUND in the same error shape', async () => {
    const response = await harness.request({ url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});

describe('identity', () => {
  it.each([
    ['a wrong check digit', { ...valid, certNo: wrongCheck }, 'CERT_NO_CHECKSUM'],
    ['a 15-digit number', { ...valid, certNo: '110101900101123' }, 'CERT_NO_LEGACY_15'],
    ['letters in the number', { ...valid, certNo: '11010119900101ABCD' }, 'CERT_NO_FORMAT'],
    ['an unknown region', { ...valid, certNo: withCheckCharacter('99010119900101123') }, 'CERT_NO_REGION'],
    ['an impossible birth date', { ...valid, certNo: withCheckCharacter('11010119900230123') }, 'CERT_NO_BIRTH_DATE'],
    ['an empty number', { ...valid, certNo: '   ' }, 'CERT_NO_REQUIRED'],
    ['a type that does not match the number', { ...valid, certType: 'RESIDENCE_PERMIT_TAIWAN' }, 'CERT_TYPE_MISMATCH'],
    ['a Latin name', { ...valid, certName: 'Zhang San' }, 'CERT_NAME_CHARSET'],
    ['a name starting with a dot', { ...valid, certName: '·测试' }, 'CERT_NAME_DOT'],
    ['an empty name', { ...valid, certName: '' }, 'CERT_NAME_REQUIRED'],
    ['a 51-character name', { ...valid, certName: '测'.repeat(51) }, 'CERT_NAME_TOO_LONG'],
  ])('refuses %s with 400 and the shared code and zh-CN message', async (_label, payload, code) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toEqual({ code, message: IDENTITY_MESSAGES_ZH_CN[code as keyof typeof IDENTITY_MESSAGES_ZH_CN] });
    expect(response.body).not.toContain(payload.certNo.trim() || '\u0000');
    expect(harness.initializeCalls).toHaveLength(0);
  });
});

describe('names in Latin letters', () => {
  // A foreigner's permanent residence ID card (2023): 9, a province code, then as a resident ID card.
  const prCardNo = withCheckCharacter('911000' + '19850607' + '123');

  it('starts a verification for a permanent residence card with the English name as the card prints it', async () => {
    const response = await post({ ...valid, certName: 'john  o\u2019neil', certNo: prCardNo });
    expect(response.statusCode).toBe(201);
    expect(harness.initializeCalls).toHaveLength(1);
    harness.initializeCalls.length = 0;
  });

  it('refuses a Latin name with a resident ID card number, before any paid call', async () => {
    const response = await post({ ...valid, certName: 'JOHN SMITH' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('CERT_NAME_CHARSET');
    expect(harness.initializeCalls).toHaveLength(0);
  });

  it('refuses a Latin name with characters no card has, with its own code', async () => {
    const response = await post({ ...valid, certName: 'JOHN_SMITH', certNo: prCardNo });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('CERT_NAME_LATIN_CHARSET');
    expect(harness.initializeCalls).toHaveLength(0);
  });
});
