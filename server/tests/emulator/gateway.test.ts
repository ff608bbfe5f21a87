/**
 * The emulated gateway on its own, spoken to in raw signed form posts like any Alipay SDK
 * would: request signature checks, Alipay's answer shapes (signed `error_response` included),
 * the certify page, the auth_base OAuth page and the fault knobs.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { formatBeijingTimestamp } from '../../src/alipay/beijing-time';
import { signRsa2 } from '../../src/alipay/gateway-signature';
import { buildRequestSignContent, readAnswerEnvelope } from '../../src/alipay/protocol';
import { openIdForAuthCode, userIdForAuthCode } from '../../src/emulator/gateway';
import { maskCertNo } from '../../../utils/identity';
import { makeCertNoEndingInX, TEST_NAMES } from '../../../tests/support/identities';
import { RunningEmulator, startEmulator, TestClock, testKeys } from '../support/harness';

const CERT_NO = makeCertNoEndingInX();
const CERT_NAME = TEST_NAMES[1];
import { send, TestResponse } from '../support/http';

let clock: TestClock;
let emulator: RunningEmulator;

beforeEach(async () => {
  clock = new TestClock();
  emulator = await startEmulator(clock);
});

afterEach(async () => {
  await emulator.app.close();
});

function commonParams(method: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    app_id: testKeys().appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: formatBeijingTimestamp(clock.now),
    version: '1.0',
    ...overrides,
  };
}

async function callGateway(params: Record<string, string>, signWith: string | null = testKeys().appPrivateKey): Promise<TestResponse> {
  const signedParams = signWith ? { ...params, sign: signRsa2(buildRequestSignContent(params), signWith) } : params;
  return send(emulator.url, {
    method: 'POST',
    url: '/emulator/gateway.do',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    payload: new URLSearchParams(signedParams).toString(),
  });
}

/** The answer's node text and sign, after checking the node sits under `key`. */
function envelopeOf(response: TestResponse, key: string): { nodeText: string; sign?: string } {
  const method = key === 'error_response' ? 'any.method' : key.replace(/_response$/, '').replace(/_/g, '.');
  const reading = readAnswerEnvelope(response.body, method);
  if (!reading.ok) throw new Error(`not a gateway answer: ${reading.reason}`);
  expect(reading.envelope.responseKey).toBe(key);
  return reading.envelope;
}

/** The node under `key`, after checking the answer's signature with the emulated Alipay public key. */
function verifiedNode(response: TestResponse, key: string): Record<string, string> {
  const { nodeText, sign } = envelopeOf(response, key);
  expect(createVerify('RSA-SHA256').update(nodeText).verify(testKeys().alipayPublicKey, sign ?? '', 'base64')).toBe(true);
  return JSON.parse(nodeText) as Record<string, string>;
}

/** The node under `key` of an answer the real gateway sends unsigned, as text/html. */
function unsignedNode(response: TestResponse, key: string): Record<string, string> {
  const { nodeText, sign } = envelopeOf(response, key);
  expect(sign).toBeUndefined();
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  return JSON.parse(nodeText) as Record<string, string>;
}

async function initialize(outerOrderNo: string, overrides: Record<string, unknown> = {}): Promise<TestResponse> {
  const bizContent = {
    outer_order_no: outerOrderNo,
    biz_code: 'FACE',
    identity_param: { identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: CERT_NAME, cert_no: CERT_NO },
    merchant_config: { return_url: 'http://127.0.0.1:3000/', face_reserve_strategy: 'never' },
    ...overrides,
  };
  return callGateway({ ...commonParams('alipay.user.certify.open.initialize'), biz_content: JSON.stringify(bizContent) });
}

const INIT_KEY = 'alipay_user_certify_open_initialize_response';

describe('request checks', () => {
  it('answers an unknown method with a signed error_response isv.invalid-method', async () => {
    const response = await callGateway(commonParams('alipay.trade.pay'));
    expect(response.statusCode).toBe(200);
    expect(verifiedNode(response, 'error_response')).toMatchObject({ code: '40002', sub_code: 'isv.invalid-method' });
  });

  it('answers a request signed with another key with a signed 40002 isv.invalid-signature under the method\'s key', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const response = await callGateway(commonParams('alipay.user.certify.open.query', { biz_content: '{"certify_id":"x"}' }), stranger.privateKey);
    expect(verifiedNode(response, 'alipay_user_certify_open_query_response')).toMatchObject({ code: '40002', sub_code: 'isv.invalid-signature' });
  });

  it('answers a request whose signed content was altered in transit with isv.invalid-signature', async () => {
    const params = commonParams('alipay.user.certify.open.query', { biz_content: '{"certify_id":"a"}' });
    const sign = signRsa2(buildRequestSignContent(params), testKeys().appPrivateKey);
    const response = await callGateway({ ...params, biz_content: '{"certify_id":"b"}', sign }, null);
    expect(verifiedNode(response, 'alipay_user_certify_open_query_response')).toMatchObject({ sub_code: 'isv.invalid-signature' });
  });

  it('answers a missing signature with 40001 isv.missing-signature', async () => {
    const response = await callGateway(commonParams('alipay.user.certify.open.query'), null);
    expect(verifiedNode(response, 'alipay_user_certify_open_query_response')).toMatchObject({ code: '40001', sub_code: 'isv.missing-signature' });
  });

  it('answers an unknown app_id unsigned, as text/html, with 40002 isv.invalid-app-id under the method\'s key', async () => {
    const response = await callGateway(commonParams('alipay.user.certify.open.query', { app_id: '2021000000000999' }));
    expect(response.statusCode).toBe(200);
    expect(unsignedNode(response, 'alipay_user_certify_open_query_response')).toMatchObject({ code: '40002', sub_code: 'isv.invalid-app-id' });
  });

  it('refuses a timestamp in a host\'s local time 8 hours off Beijing with isv.invalid-timestamp', async () => {
    const utcWallClock = new Date(clock.now).toISOString().replace('T', ' ').slice(0, 19);
    const response = await callGateway(commonParams('alipay.user.certify.open.query', { timestamp: utcWallClock }));
    expect(verifiedNode(response, 'alipay_user_certify_open_query_response')).toMatchObject({ sub_code: 'isv.invalid-timestamp' });
  });
});

describe('methods', () => {
  const oauthParams = (code: string) => ({ ...commonParams('alipay.system.oauth.token'), grant_type: 'authorization_code', code });

  it('answers oauth.token as a new app gets it: no code, no msg, open_id and no user_id', async () => {
    const first = verifiedNode(await callGateway(oauthParams('code-one')), 'alipay_system_oauth_token_response');
    expect(Object.keys(first)).toEqual(['access_token', 'auth_start', 'expires_in', 're_expires_in', 'refresh_token', 'open_id']);
    expect(first.open_id).toBe(openIdForAuthCode('code-one'));
    expect(first.open_id).toMatch(/^0[A-Za-z0-9]{45}$/);
  });

  it('maps every auth code to the same user every time, and two codes to two users', async () => {
    await send(emulator.url, { method: 'POST', url: '/emulator/settings', payload: { oauthIdentity: 'both' } });
    const first = verifiedNode(await callGateway(oauthParams('code-one')), 'alipay_system_oauth_token_response');
    const again = verifiedNode(await callGateway(oauthParams('code-one')), 'alipay_system_oauth_token_response');
    const other = verifiedNode(await callGateway(oauthParams('code-two')), 'alipay_system_oauth_token_response');
    expect(first.user_id).toBe(userIdForAuthCode('code-one'));
    expect(first.user_id).toMatch(/^2088\d{12}$/);
    expect(first.open_id).toBe(openIdForAuthCode('code-one'));
    expect([again.user_id, again.open_id]).toEqual([first.user_id, first.open_id]);
    expect(other.user_id).not.toBe(first.user_id);
    expect(other.open_id).not.toBe(first.open_id);
    expect(first.access_token).toBeTruthy();
  });

  it('gives user_id only when set so, and refuses an unknown identity setting', async () => {
    await send(emulator.url, { method: 'POST', url: '/emulator/settings', payload: { oauthIdentity: 'user_id' } });
    const node = verifiedNode(await callGateway(oauthParams('code-one')), 'alipay_system_oauth_token_response');
    expect(node.user_id).toBe(userIdForAuthCode('code-one'));
    expect(node.open_id).toBeUndefined();
    const refused = await send(emulator.url, { method: 'POST', url: '/emulator/settings', payload: { oauthIdentity: 'uid' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a duplicate outer_order_no with 40004 OUTER_ORDER_NO_DUPLICATED', async () => {
    expect(verifiedNode(await initialize('IVDUPLICATE000000000000000000001'), INIT_KEY).code).toBe('10000');
    expect(verifiedNode(await initialize('IVDUPLICATE000000000000000000001'), INIT_KEY)).toMatchObject({
      code: '40004',
      sub_code: 'OUTER_ORDER_NO_DUPLICATED',
    });
  });

  it('requires identity_param as a JSON object, not a JSON string inside the JSON', async () => {
    const response = await initialize('IVSTRINGIDENTITY0000000000000001', {
      identity_param: JSON.stringify({ identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: CERT_NAME, cert_no: CERT_NO }),
    });
    expect(verifiedNode(response, INIT_KEY)).toMatchObject({ code: '40004', sub_code: 'INVALID_PARAMETER' });
  });

  it('answers query with passed F before an outcome and after a fail (no fail_reason by default), T after a pass', async () => {
    const certifyId = verifiedNode(await initialize('IVQUERY00000000000000000000000001'.slice(0, 32)), INIT_KEY).certify_id;
    const query = async () =>
      verifiedNode(
        await callGateway({ ...commonParams('alipay.user.certify.open.query'), biz_content: JSON.stringify({ certify_id: certifyId }) }),
        'alipay_user_certify_open_query_response',
      );
    expect(await query()).toMatchObject({ code: '10000', passed: 'F' });
    expect((await query()).fail_reason).toBeUndefined();
    await send(emulator.url, { method: 'POST', url: `/emulator/certifications/${certifyId}/outcome`, payload: { outcome: 'FAILED' } });
    const failed = await query();
    expect(failed.passed).toBe('F');
    expect(failed.fail_reason).toBeUndefined();
    await send(emulator.url, { method: 'POST', url: '/emulator/settings', payload: { failReason: true } });
    expect(await query()).toMatchObject({ passed: 'F', fail_reason: 'EMULATED_FAILURE' });
    await send(emulator.url, { method: 'POST', url: `/emulator/certifications/${certifyId}/outcome`, payload: { outcome: 'PASSED' } });
    expect(await query()).toMatchObject({ passed: 'T' });
  });
});

describe('certify page', () => {
  /** The first base64 character carries six whole bits, so any other character changes the bytes. */
  function changeFirstCharacter(sign: string): string {
    return `${sign.startsWith('A') ? 'B' : 'A'}${sign.slice(1)}`;
  }

  async function certifyPageUrl(certifyId: string, tamper = false): Promise<string> {
    const params = { ...commonParams('alipay.user.certify.open.certify'), biz_content: JSON.stringify({ certify_id: certifyId }) };
    const sign = signRsa2(buildRequestSignContent(params), testKeys().appPrivateKey);
    const query = new URLSearchParams({ ...params, sign: tamper ? changeFirstCharacter(sign) : sign });
    return `/emulator/gateway.do?${query.toString()}`;
  }

  it('serves an accessible zh-CN page with three outcome buttons for a signed link', async () => {
    const certifyId = verifiedNode(await initialize('IVPAGE0000000000000000000000001'), INIT_KEY).certify_id;
    const page = await send(emulator.url, { url: await certifyPageUrl(certifyId) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<html lang="zh-CN">');
    expect(page.body).toContain('name="viewport" content="width=device-width, initial-scale=1"');
    for (const outcome of ['PASSED', 'FAILED', 'CANCELLED']) expect(page.body).toContain(`data-outcome="${outcome}"`);
    expect(page.body).toContain(maskCertNo(CERT_NO));
    expect(page.body).not.toContain(CERT_NO);
    expect(page.body).not.toContain(CERT_NAME);
  });

  it('refuses a link whose signature does not verify, and an unknown certify id', async () => {
    const certifyId = verifiedNode(await initialize('IVPAGE0000000000000000000000002'), INIT_KEY).certify_id;
    const tampered = await send(emulator.url, { url: await certifyPageUrl(certifyId, true) });
    expect(tampered.statusCode).toBe(400);
    expect(tampered.body).toContain('isv.invalid-signature');
    const unknown = await send(emulator.url, { url: await certifyPageUrl('0123456789abcdef') });
    expect(unknown.statusCode).toBe(404);
  });

  it('sends the person back to return_url on cancel without recording anything', async () => {
    const certifyId = verifiedNode(await initialize('IVPAGE0000000000000000000000003'), INIT_KEY).certify_id;
    const cancel = await send(emulator.url, {
      method: 'POST',
      url: `/emulator/certify-page/${certifyId}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'outcome=CANCELLED',
    });
    expect(cancel.statusCode).toBe(303);
    expect(cancel.headers.location).toBe('http://127.0.0.1:3000/');
    const query = await callGateway({ ...commonParams('alipay.user.certify.open.query'), biz_content: JSON.stringify({ certify_id: certifyId }) });
    const node = verifiedNode(query, 'alipay_user_certify_open_query_response');
    expect(node.passed).toBe('F');
    expect(node.fail_reason).toBeUndefined();
  });

  it('answers 404 NOT_FOUND when a script sets the outcome of an unknown certification', async () => {
    const response = await send(emulator.url, { method: 'POST', url: '/emulator/certifications/abc123/outcome', payload: { outcome: 'PASSED' } });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
  });
});

describe('auth_base OAuth page', () => {
  const authorize = (redirectUri: string, appId = testKeys().appId) =>
    send(emulator.url, {
      url: `/emulator/oauth2/publicAppAuthorize.htm?${new URLSearchParams({ app_id: appId, scope: 'auth_base', redirect_uri: redirectUri, state: 's1' })}`,
    });

  it('redirects to redirect_uri with a fresh auth_code, app_id, scope and state, as Alipay does', async () => {
    const first = await authorize('http://127.0.0.1:3000/?from=h5');
    const second = await authorize('http://127.0.0.1:3000/?from=h5');
    expect(first.statusCode).toBe(302);
    const target = new URL(first.headers.location);
    expect(target.origin + target.pathname).toBe('http://127.0.0.1:3000/');
    expect(target.searchParams.get('from')).toBe('h5');
    expect(target.searchParams.get('app_id')).toBe(testKeys().appId);
    expect(target.searchParams.get('scope')).toBe('auth_base');
    expect(target.searchParams.get('state')).toBe('s1');
    expect(target.searchParams.get('auth_code')).toMatch(/^[0-9a-f]{32}$/);
    expect(new URL(second.headers.location).searchParams.get('auth_code')).not.toBe(target.searchParams.get('auth_code'));
  });

  it('refuses a redirect_uri on another origin, and an unknown app_id', async () => {
    const foreign = await authorize('https://evil.example/steal');
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.code).toBe('VALIDATION_FAILED');
    const wrongApp = await authorize('http://127.0.0.1:3000/', '2021000000000999');
    expect(wrongApp.statusCode).toBe(400);
  });
});

describe('fault knobs', () => {
  it('reads and changes the knobs at runtime, and refuses a share above 1', async () => {
    expect((await send(emulator.url, { url: '/emulator/faults' })).json()).toMatchObject({ latencyMs: 0, unavailableShare: 0 });
    const changed = await send(emulator.url, { method: 'POST', url: '/emulator/faults', payload: { latencyMs: 5, unsignedShare: 0.25 } });
    expect(changed.json()).toMatchObject({ latencyMs: 5, unsignedShare: 0.25, unavailableShare: 0 });
    const refused = await send(emulator.url, { method: 'POST', url: '/emulator/faults', payload: { timeoutShare: 2 } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('adds the configured latency before every gateway answer', async () => {
    const latencySleeps: number[] = [];
    const slow = await startEmulator(clock, { latencyMs: 250 }, latencySleeps);
    try {
      const params = { ...commonParams('alipay.system.oauth.token'), grant_type: 'authorization_code', code: 'c' };
      const signedParams = { ...params, sign: signRsa2(buildRequestSignContent(params), testKeys().appPrivateKey) };
      const response = await send(slow.url, {
        method: 'POST',
        url: '/emulator/gateway.do',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(signedParams).toString(),
      });
      expect(response.statusCode).toBe(200);
      expect(latencySleeps).toEqual([250]);
    } finally {
      await slow.app.close();
    }
  });

  it('clears the shares after the number of faulted calls asked for', async () => {
    await send(emulator.url, { method: 'POST', url: '/emulator/faults', payload: { unavailableShare: 1, remaining: 1 } });
    const params = { ...commonParams('alipay.system.oauth.token'), grant_type: 'authorization_code', code: 'c' };
    expect(verifiedNode(await callGateway(params), 'alipay_system_oauth_token_response').code).toBe('20000');
    expect(verifiedNode(await callGateway(params), 'alipay_system_oauth_token_response').access_token).toBeTruthy();
  });

  it('sends answers without a sign, or with one that does not verify, when asked', async () => {
    const params = { ...commonParams('alipay.system.oauth.token'), grant_type: 'authorization_code', code: 'c' };
    await send(emulator.url, { method: 'POST', url: '/emulator/faults', payload: { unsignedShare: 1, remaining: 1 } });
    expect((await callGateway(params)).json<Record<string, unknown>>().sign).toBeUndefined();
    await send(emulator.url, { method: 'POST', url: '/emulator/faults', payload: { badSignatureShare: 1, remaining: 1 } });
    const bad = await callGateway(params);
    const node = envelopeOf(bad, 'alipay_system_oauth_token_response').nodeText;
    expect(createVerify('RSA-SHA256').update(node).verify(testKeys().alipayPublicKey, bad.json<{ sign: string }>().sign, 'base64')).toBe(false);
  });
});
