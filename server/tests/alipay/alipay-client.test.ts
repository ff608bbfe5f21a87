/**
 * The Alipay client against scripted gateway answers signed with the emulated Alipay key:
 * the shapes the emulator never produces (['T'], error_response, non-200, garbage, tampered
 * texts), and the Beijing-time timestamp on a host in another time zone. The shapes the real
 * gateway is seen to send are covered one by one in alipay-conformance.test.ts.
 */
import Fastify, { FastifyInstance } from 'fastify';
import { AlipayClient, createAlipayClient } from '../../src/alipay/alipay-client';
import { signRsa2, verifyRsa2 } from '../../src/alipay/gateway-signature';
import { buildRequestSignContent } from '../../src/alipay/protocol';
import { parseBeijingTimestamp } from '../../src/alipay/beijing-time';
import { upstreamErrorOf } from '../support/records';
import { makeCertNoEndingInX, TEST_NAMES } from '../../../tests/support/identities';
import { testKeys } from '../support/harness';

const CERT_NO = makeCertNoEndingInX();

interface Scripted {
  status?: number;
  body: string;
}

let gateway: FastifyInstance;
let next: Scripted;
let lastParams: Record<string, string>;
let lastQuery: Record<string, string>;
const openClients: AlipayClient[] = [];

beforeAll(async () => {
  gateway = Fastify();
  gateway.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  gateway.post('/gateway.do', async (request, reply) => {
    lastQuery = { ...(request.query as Record<string, string>) };
    lastParams = { ...lastQuery, ...(request.body as Record<string, string>) };
    return reply.code(next.status ?? 200).type('application/json').send(next.body);
  });
  await gateway.listen({ port: 0, host: '127.0.0.1' });
});

afterEach(() => {
  for (const opened of openClients.splice(0)) opened.close();
});

afterAll(async () => {
  await gateway.close();
});

function client(now = Date.UTC(2026, 0, 15, 20, 30, 0)): AlipayClient {
  const keys = testKeys();
  const address = gateway.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const created = createAlipayClient({
    appId: keys.appId,
    privateKey: keys.appPrivateKey,
    keyType: 'PKCS8',
    alipayPublicKey: keys.alipayPublicKey,
    appAuthToken: 'isv-token-123',
    gateway: `http://127.0.0.1:${port}/gateway.do`,
    timeoutMs: 2000,
    clock: () => now,
  });
  openClients.push(created);
  return created;
}

function signed(key: string, node: Record<string, unknown>, signer = testKeys().alipayPrivateKey): string {
  const text = JSON.stringify(node);
  return `{"${key}":${text},"sign":"${signRsa2(text, signer)}"}`;
}

const QUERY_KEY = 'alipay_user_certify_open_query_response';

describe('queryCertify', () => {
  it('accepts passed in its one-element array form', async () => {
    next = { body: signed(QUERY_KEY, { code: '10000', msg: 'Success', passed: ['T'] }) };
    await expect(client().queryCertify('c1')).resolves.toMatchObject({ passed: true });
  });

  it.each([
    ['F', 'F'],
    ['an array with F', ['F']],
    ['a two-element array', ['T', 'F']],
    ['a lowercase t', 't'],
    ['no passed field', undefined],
  ])('does not count %s as a pass', async (_label, passed) => {
    next = { body: signed(QUERY_KEY, { code: '10000', msg: 'Success', passed }) };
    await expect(client().queryCertify('c1')).resolves.toMatchObject({ passed: false });
  });

  it('reports fail_reason when Alipay gives one', async () => {
    next = { body: signed(QUERY_KEY, { code: '10000', msg: 'Success', passed: 'F', fail_reason: 'Z1147' }) };
    await expect(client().queryCertify('c1')).resolves.toEqual({ passed: false, failReason: 'Z1147', traceId: undefined });
  });

  it('treats a pass signed with another key as unverified', async () => {
    const { privateKey: strangerKey } = await import('node:crypto').then((crypto) =>
      crypto.generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }),
    );
    next = { body: signed(QUERY_KEY, { code: '10000', msg: 'Success', passed: 'T' }, strangerKey) };
    expect((await upstreamErrorOf(client().queryCertify('c1'))).kind).toBe('unverified');
  });

  it('treats a non-200 answer as unavailable', async () => {
    next = { status: 502, body: '<html>bad gateway</html>' };
    expect((await upstreamErrorOf(client().queryCertify('c1'))).kind).toBe('unavailable');
  });

  it('treats an answer that is not JSON as unverified', async () => {
    next = { body: 'not json at all' };
    expect((await upstreamErrorOf(client().queryCertify('c1'))).kind).toBe('unverified');
  });

  it('maps 20000 to unavailable and 40004 to rejected with the sub_code', async () => {
    next = { body: signed(QUERY_KEY, { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error' }) };
    expect((await upstreamErrorOf(client().queryCertify('c1'))).kind).toBe('unavailable');
    next = { body: signed(QUERY_KEY, { code: '40004', msg: 'Business Failed', sub_code: 'CERTIFY_ID_NOT_EXIST' }) };
    const rejected = await upstreamErrorOf(client().queryCertify('c1'));
    expect(rejected.kind).toBe('rejected');
    expect(rejected.detail).toMatchObject({ alipayCode: '40004', subCode: 'CERTIFY_ID_NOT_EXIST' });
  });
});

describe('error_response', () => {
  const errorNode = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.code-invalid', sub_msg: '授权码code无效' };

  it('verifies a signed error_response and reports its sub_code', async () => {
    next = { body: signed('error_response', errorNode) };
    const error = await upstreamErrorOf(client().exchangeAuthCode('used-code'));
    expect(error.kind).toBe('rejected');
    expect(error.detail.subCode).toBe('isv.code-invalid');
  });

  it('treats an error_response with a bad signature as unverified', async () => {
    next = { body: `{"error_response":${JSON.stringify(errorNode)},"sign":"${signRsa2('other text', testKeys().alipayPrivateKey)}"}` };
    expect((await upstreamErrorOf(client().exchangeAuthCode('used-code'))).kind).toBe('unverified');
  });

  it('keeps an unsigned error\'s meaning, because it can only deny: rejected with its sub_code, marked unsigned', async () => {
    next = { body: `{"error_response":${JSON.stringify(errorNode)}}` };
    const error = await upstreamErrorOf(client().exchangeAuthCode('used-code'));
    expect(error.kind).toBe('rejected');
    expect(error.detail).toMatchObject({ alipayCode: '40002', subCode: 'isv.code-invalid', signed: false });
  });

  it('treats an unsigned 20000 as unavailable, so it is retried like a signed one', async () => {
    next = { body: `{"${QUERY_KEY}":{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error"}}` };
    expect((await upstreamErrorOf(client().queryCertify('c1'))).kind).toBe('unavailable');
  });

  it('never counts error_response as success, whatever it claims', async () => {
    next = { body: signed('error_response', { code: '10000', msg: 'Success', user_id: '2088000000000001' }) };
    expect((await upstreamErrorOf(client().exchangeAuthCode('x'))).kind).toBe('rejected');
  });
});

describe('what the real gateway sends', () => {
  const OAUTH_KEY = 'alipay_system_oauth_token_response';

  it('accepts an oauth success with no code and no msg', async () => {
    next = { body: signed(OAUTH_KEY, { access_token: 'a', expires_in: 1296000, user_id: '2088000000000001' }) };
    await expect(client().exchangeAuthCode('c')).resolves.toEqual({ userId: '2088000000000001', openId: undefined, traceId: undefined });
  });

  it('accepts open_id alone, and refuses an answer with neither user_id nor open_id', async () => {
    next = { body: signed(OAUTH_KEY, { access_token: 'a', open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' }) };
    await expect(client().exchangeAuthCode('c')).resolves.toMatchObject({ userId: undefined, openId: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' });
    next = { body: signed(OAUTH_KEY, { access_token: 'a' }) };
    const error = await upstreamErrorOf(client().exchangeAuthCode('c'));
    expect([error.kind, error.detail.subCode]).toEqual(['rejected', 'missing-user-identity']);
  });

  it('counts any sub_code as an error, even beside code 10000', async () => {
    next = { body: signed(QUERY_KEY, { code: '10000', sub_code: 'SOMETHING', passed: 'T' }) };
    expect((await upstreamErrorOf(client().queryCertify('c1'))).kind).toBe('rejected');
  });

  it('verifies a node Alipay signed before escaping its slashes, and reads the text that verified', async () => {
    const signedText = '{"code":"10000","msg":"Success","passed":"T","material_info":"{\\"url\\":\\"https://x/y\\"}"}';
    const sentText = signedText.split('/').join('\\/');
    next = { body: `{"${QUERY_KEY}":${sentText},"sign":"${signRsa2(signedText, testKeys().alipayPrivateKey)}"}` };
    await expect(client().queryCertify('c1')).resolves.toMatchObject({ passed: true });
  });

  it('refuses an unsigned success, whatever it says', async () => {
    next = { body: `{"${QUERY_KEY}":{"code":"10000","msg":"Success","passed":"T"}}` };
    const error = await upstreamErrorOf(client().queryCertify('c1'));
    expect([error.kind, error.detail.reason]).toEqual(['unverified', 'a success must be signed']);
  });
});

describe('texts that could be read two ways', () => {
  const failed = JSON.stringify({ code: '10000', msg: 'Success', passed: 'F' });
  const sign = (): string => signRsa2(failed, testKeys().alipayPrivateKey);

  it.each([
    ['a signed F followed by an unsigned duplicate T', () => `{"${QUERY_KEY}":${failed},"sign":"${sign()}","${QUERY_KEY}":{"code":"10000","passed":"T"}}`],
    ['a duplicate spelled with a unicode escape', () => `{"${QUERY_KEY}":${failed},"sign":"${sign()}","alipay_user_certify_open_query_respons\\u0065":{"passed":"T"}}`],
    ['a second response node', () => `{"${QUERY_KEY}":${failed},"error_response":{"code":"10000","passed":"T"},"sign":"${sign()}"}`],
    ['a duplicate sign', () => `{"${QUERY_KEY}":${failed},"sign":"${sign()}","sign":"${sign()}"}`],
  ])('refuses %s as unverified', async (_name, body) => {
    next = { body: body() };
    const error = await upstreamErrorOf(client().queryCertify('c1'));
    expect(error.kind).toBe('unverified');
  });
});

describe('request parameters', () => {
  /** One successful initialize for the test person, through a scripted 10000 answer. */
  async function initializeAgainstScriptedGateway(): Promise<void> {
    next = { body: signed('alipay_user_certify_open_initialize_response', { code: '10000', msg: 'Success', certify_id: 'abc' }) };
    await client().initializeCertify({
      outerOrderNo: 'IV202601160430001234567890abcdef',
      bizCode: 'FACE',
      identity: { certName: TEST_NAMES[0], certNo: CERT_NO, certType: 'IDENTITY_CARD' },
      returnUrl: 'https://merchant.example/done',
    });
  }

  it('sends a Beijing-time timestamp even on a host in another time zone', async () => {
    const originalTz = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      // 20:30 UTC on 15 Jan is 04:30 on 16 Jan in Beijing, and 12:30 on 15 Jan in Los Angeles.
      next = { body: signed(QUERY_KEY, { code: '10000', msg: 'Success', passed: 'F' }) };
      await client(Date.UTC(2026, 0, 15, 20, 30, 0)).queryCertify('c1');
      expect(lastParams.timestamp).toBe('2026-01-16 04:30:00');
      expect(parseBeijingTimestamp(lastParams.timestamp)).toBe(Date.UTC(2026, 0, 15, 20, 30, 0));
    } finally {
      process.env.TZ = originalTz;
    }
  });

  it('sends identity_param and merchant_config as JSON objects, with face_reserve_strategy never and the ISV token', async () => {
    await initializeAgainstScriptedGateway();
    const biz = JSON.parse(lastParams.biz_content) as Record<string, unknown>;
    expect(biz).toEqual({
      outer_order_no: 'IV202601160430001234567890abcdef',
      biz_code: 'FACE',
      identity_param: { identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: TEST_NAMES[0], cert_no: CERT_NO },
      merchant_config: { return_url: 'https://merchant.example/done', face_reserve_strategy: 'never' },
    });
    expect(lastParams.app_auth_token).toBe('isv-token-123');
    expect(lastParams.sign_type).toBe('RSA2');
  });

  it('keeps the name and ID number out of the URL: common parameters in the query, biz_content in the form body', async () => {
    await initializeAgainstScriptedGateway();
    expect(Object.keys(lastQuery).sort()).toEqual(['app_auth_token', 'app_id', 'charset', 'method', 'sign', 'sign_type', 'timestamp', 'version']);
    expect(JSON.stringify(lastQuery)).not.toContain(CERT_NO);
    expect(JSON.stringify(lastQuery)).not.toContain(TEST_NAMES[0]);
    expect(lastParams.biz_content).toContain(CERT_NO);
    // Signed over every parameter, URL and body alike, as the gateway checks it.
    expect(verifyRsa2(buildRequestSignContent(lastParams), lastParams.sign, testKeys().appPublicKey)).toBe(true);
  });

  it('builds the certify URL locally, signed, with no network call', async () => {
    lastParams = {};
    const url = new URL(await client().buildCertifyUrl('certify123'));
    expect(lastParams).toEqual({});
    expect(url.searchParams.get('method')).toBe('alipay.user.certify.open.certify');
    expect(url.searchParams.get('app_auth_token')).toBe('isv-token-123');
    expect(url.searchParams.get('timestamp')).toBe('2026-01-16 04:30:00');
    expect(JSON.parse(url.searchParams.get('biz_content') as string)).toEqual({ certify_id: 'certify123' });
  });
});

it('refuses to build a client without Alipay\'s public key', () => {
  const keys = testKeys();
  expect(() =>
    createAlipayClient({ appId: keys.appId, privateKey: keys.appPrivateKey, keyType: 'PKCS8', gateway: 'http://127.0.0.1:1/gateway.do', timeoutMs: 1000, clock: () => 0 }),
  ).toThrow(expect.objectContaining({ code: 'ERR_ALIPAY_PUBLIC_KEY_REQUIRED' }));
});
