/**
 * identification-start's refusals, each with the HTTP API's code and before any paid call:
 * malformed args, consent, bizCode, the identity itself, the minors policy, the per-user and
 * per-number limits, a misconfigured deployment; then what Alipay's side can do wrong: 20000,
 * an unreachable gateway, an unverifiable answer, a certify answer without a URL.
 */
import { makeCertNo, makeCertNoBornOn, TEST_NAMES } from '../../tests/support/identities';
import { CloudHarness, CloudHarnessOptions, ALICE, BOB, expectNoPersonalData, startCloudHarness, TEST_CONSENT_VERSION } from './support';

let harness: CloudHarness | undefined;
const usedSecrets: string[] = [];

async function open(options?: CloudHarnessOptions): Promise<CloudHarness> {
  harness = await startCloudHarness(options);
  return harness;
}

afterEach(async () => {
  if (!harness) return;
  // A harness whose functions never logged still has the emulator's request lines.
  expectNoPersonalData(harness, usedSecrets);
  await harness.close();
  harness = undefined;
  usedSecrets.length = 0;
});

function args(seed: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const certName = TEST_NAMES[seed % TEST_NAMES.length];
  const certNo = makeCertNo(seed);
  usedSecrets.push(certName, certNo);
  return { certName, certNo, consentVersion: TEST_CONSENT_VERSION, ...extra };
}

function paidCalls(h: CloudHarness): number {
  return h.cloud.identification.calls.filter((call) => call.call === 'init').length;
}

describe('refused before any paid call, with the HTTP API\'s codes', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['args that are not an object', () => ['not', 'an', 'object'], 'VALIDATION_FAILED'],
    ['an unknown argument', () => args(20, { userId: '2088000000000002' }), 'VALIDATION_FAILED'],
    ['a certNo that is not a string', () => ({ ...args(21), certNo: 110101 }), 'VALIDATION_FAILED'],
    ['a missing certName', () => ({ certNo: makeCertNo(22), consentVersion: TEST_CONSENT_VERSION }), 'VALIDATION_FAILED'],
    ['an unknown certType', () => args(23, { certType: 'PASSPORT' }), 'VALIDATION_FAILED'],
    ['guardianConsent that is not a boolean', () => args(24, { guardianConsent: 'yes' }), 'VALIDATION_FAILED'],
    ['replaces that is not a string', () => args(24, { replaces: 7 }), 'VALIDATION_FAILED'],
    ['no consentVersion', () => args(25, { consentVersion: undefined }), 'CONSENT_REQUIRED'],
    ['a consentVersion of another notice', () => args(26, { consentVersion: '0123456789abcdef' }), 'CONSENT_OUTDATED'],
    ['a bizCode not in BIZ_CODE_ALLOWLIST', () => args(27, { bizCode: 'SMART_FACE' }), 'BIZ_CODE_NOT_ALLOWED'],
    ['an empty certName', () => args(28, { certName: '' }), 'CERT_NAME_REQUIRED'],
    ['an empty certNo', () => args(29, { certNo: '' }), 'CERT_NO_REQUIRED'],
    ['a certNo with a wrong check character', () => ({ ...args(30), certNo: makeCertNo(30).slice(0, 17) + (makeCertNo(30).endsWith('1') ? '2' : '1') }), 'CERT_NO_CHECKSUM'],
    ['a 15-digit number', () => args(31, { certNo: '110101800101001' }), 'CERT_NO_LEGACY_15'],
    ['a certType the number contradicts', () => args(32, { certType: 'RESIDENCE_PERMIT_TAIWAN' }), 'CERT_TYPE_MISMATCH'],
    ['a name with digits', () => args(33, { certName: '测试1' }), 'CERT_NAME_CHARSET'],
    [
      'a holder under 14 without guardianConsent',
      () => {
        const certNo = makeCertNoBornOn(new Date(Date.UTC(2020, 5, 1)));
        usedSecrets.push(certNo);
        return { ...args(34), certNo };
      },
      'GUARDIAN_CONSENT_REQUIRED',
    ],
  ];

  it.each(cases)('%s', async (_name, makeArgs, code) => {
    const h = await open();
    const answer = await h.start(ALICE, makeArgs());
    expect(answer).toEqual({ error: { code, message: expect.any(String) } });
    expect(paidCalls(h)).toBe(0);
    expect(h.cloud.db.dump()).toBe('{}');
    expect(h.logs.filter((line) => line.includes('"function.refused"')).every((line) => line.includes(`"code":"${code}"`))).toBe(true);
  });

  it('starts a holder under 14 once guardianConsent is true, and stores that consent', async () => {
    const h = await open();
    const certNo = makeCertNoBornOn(new Date(Date.UTC(2020, 5, 1)));
    usedSecrets.push(certNo);
    const answer = await h.start(ALICE, { ...args(35), certNo, guardianConsent: true });
    expect(answer).toMatchObject({ certifyId: expect.any(String) });
    expect(JSON.parse(h.cloud.db.dump()).identity_verifications[0].guardianConsent).toBe(true);
  });

  it('refuses a holder under 14 whatever guardianConsent says with MINOR_POLICY=refuse', async () => {
    const h = await open({ env: { MINOR_POLICY: 'refuse' } });
    const certNo = makeCertNoBornOn(new Date(Date.UTC(2020, 5, 1)));
    usedSecrets.push(certNo);
    expect(await h.start(ALICE, { ...args(36), certNo, guardianConsent: true })).toMatchObject({ error: { code: 'CERT_NO_MINOR' } });
    expect(paidCalls(h)).toBe(0);
  });

  it('refuses an anonymous caller with UNAUTHORIZED before looking at the arguments', async () => {
    const h = await open();
    expect(await h.start('anonymous', { certName: 1 })).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it('answers INTERNAL_ERROR on a deployment without its settings, and logs which ones by name', async () => {
    const h = await open({ env: { ID_HMAC_PEPPER: 'short', MERCHANT_NAME: undefined, ALIPAY_RETURN_URL: undefined } });
    expect(await h.start(ALICE, args(37))).toEqual({ error: { code: 'INTERNAL_ERROR', message: expect.any(String) } });
    const line = h.logs.find((entry) => entry.includes('"function.misconfigured"')) ?? '';
    for (const name of ['ID_HMAC_PEPPER', 'MERCHANT_NAME', 'ALIPAY_RETURN_URL']) expect(line).toContain(name);
    expect(line).not.toContain('short');
    expect(paidCalls(h)).toBe(0);
  });
});

describe('limits per user and per ID number, as on the server', () => {
  it('answers RATE_LIMITED after RATE_LIMIT_PER_USER new verifications in the window, with the wait, and again after it', async () => {
    const h = await open({ env: { RATE_LIMIT_PER_USER: '2', RATE_LIMIT_WINDOW_SECONDS: '600' } });
    expect(await h.start(ALICE, args(40))).toMatchObject({ certifyId: expect.any(String) });
    expect(await h.start(ALICE, args(41))).toMatchObject({ certifyId: expect.any(String) });
    expect(await h.start(ALICE, args(42))).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String), retryAfterSeconds: 600 } });
    expect(paidCalls(h)).toBe(2);
    // Another user is not limited by Alice's verifications.
    expect(await h.start(BOB, args(43))).toMatchObject({ certifyId: expect.any(String) });
    h.clock.now += 600_000;
    expect(await h.start(ALICE, args(42))).toMatchObject({ certifyId: expect.any(String) });
  });

  it('answers RATE_LIMITED after RATE_LIMIT_PER_CERT_NO verifications of one number, whoever asks', async () => {
    const h = await open({ env: { RATE_LIMIT_PER_CERT_NO: '1' } });
    expect(await h.start(ALICE, args(44))).toMatchObject({ certifyId: expect.any(String) });
    expect(await h.start(BOB, args(44))).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });

  it('does not count a reuse of the same person\'s live verification', async () => {
    const h = await open({ env: { RATE_LIMIT_PER_USER: '1' } });
    await h.start(ALICE, args(45));
    expect(await h.start(ALICE, args(45))).toMatchObject({ reused: true });
  });
});

describe('when Alipay\'s side fails', () => {
  it('answers UPSTREAM_UNAVAILABLE on a 20000 and keeps the attempt as INITIALIZE_FAILED (it counts against the limits)', async () => {
    const h = await open({ env: { RATE_LIMIT_PER_USER: '1' } });
    await h.setFaults({ unavailableShare: 1 });
    expect(await h.start(ALICE, args(50))).toEqual({ error: { code: 'UPSTREAM_UNAVAILABLE', message: expect.any(String) } });
    const [stored] = JSON.parse(h.cloud.db.dump()).identity_verifications;
    expect(stored).toMatchObject({ status: 'INITIALIZE_FAILED', errorCode: 'UPSTREAM_UNAVAILABLE', certifyId: null });
    expect(h.logs.some((line) => line.includes('"alipayCode":"20000"'))).toBe(true);
    await h.setFaults({ unavailableShare: 0 });
    expect(await h.start(ALICE, args(51))).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });

  it('answers UPSTREAM_UNAVAILABLE when the cloud cannot reach Alipay, keeping the cause\'s name in the log', async () => {
    const h = await open();
    await h.close();
    expect(await h.start(ALICE, args(52))).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(h.logs.some((line) => line.includes('"reason":"call-failed"') && line.includes('"cause":"EmulatedCloudError"'))).toBe(true);
    expectNoPersonalData(h, usedSecrets);
    harness = undefined;
  });

  it('answers UPSTREAM_UNAVAILABLE when the answer\'s signature does not verify (the call is refused by the cloud)', async () => {
    const h = await open();
    await h.setFaults({ badSignatureShare: 1 });
    expect(await h.start(ALICE, args(53))).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
  });

  it('answers UPSTREAM_REJECTED, naming the sub_code, when query refuses the certifyId', async () => {
    const h = await open();
    const started = await h.start(ALICE, args(54));
    const stored = h.cloud.db.collection('identity_verifications');
    await stored.updateOne({ verificationId: (started as { verificationId: string }).verificationId }, { $set: { certifyId: 'unknown-certify-id' } });
    const answer = await h.status(ALICE, { verificationId: (started as { verificationId: string }).verificationId });
    expect(answer).toEqual({ error: { code: 'UPSTREAM_REJECTED', message: 'Alipay rejected the request (sub_code: CERTIFY_ID_NOT_EXIST)' } });
  });

  it.each([
    ['url', 'url'],
    ['body (the EasySDK\'s name)', 'body'],
  ] as const)('reads the certify URL from %s', async (_name, field) => {
    const h = await open();
    h.cloud.identification.shapes.certifyUrlField = field;
    const answer = await h.start(ALICE, args(55));
    expect(answer).toMatchObject({ url: expect.stringContaining('/emulator/gateway.do?') });
    expect(await h.openCertifyUrl((answer as { url: string }).url)).toBe(200);
  });

  it('answers UPSTREAM_REJECTED when certify answers neither url nor body, and a second start reuses the paid verification', async () => {
    const h = await open();
    h.cloud.identification.shapes.certifyUrlField = 'neither';
    expect(await h.start(ALICE, args(56))).toEqual({
      error: { code: 'UPSTREAM_REJECTED', message: 'Alipay answered certify without a certify URL (neither url nor body holds one)' },
    });
    expect(h.logs.some((line) => line.includes('"reason":"missing-certify-url"'))).toBe(true);
    h.cloud.identification.shapes.certifyUrlField = 'url';
    expect(await h.start(ALICE, args(56))).toMatchObject({ reused: true, url: expect.any(String) });
    expect(paidCalls(h)).toBe(1);
  });
});
