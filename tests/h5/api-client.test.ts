/** h5/src/api-client.ts: requests as the contract says, and every failure as the client policy's coded ApiError. */
import { createApiClient, FetchLike } from '../../h5/src/api-client';
import { ApiError } from '../../utils/client-policy';
import { DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';
import { createUuidV4 } from '../../h5/src/random-id';

interface Sent {
  input: string;
  init: RequestInit;
}

function fakeFetch(answer: () => Promise<Response>): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: (input, init) => {
      sent.push({ input, init });
      return answer();
    },
  };
}

const jsonResponse = (status: number, body: unknown): Promise<Response> =>
  Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const CREATED = { verificationId: 'v1', certifyId: 'c1', url: 'https://openapi.alipay.com/gateway.do?x=1', expiresAt: '2026-11-23T07:00:00.000Z' };

describe('createApiClient', () => {
  it('posts a verification with the bearer token, the idempotency key and a JSON body', async () => {
    const fake = fakeFetch(() => jsonResponse(201, CREATED));
    const api = createApiClient({ fetch: fake.fetch });
    const body = { certName: '测试甲', certNo: '11010119900307002X', consentVersion: '0123456789abcdef' };
    await expect(api.createVerification('tok', body, 'key-1')).resolves.toEqual(CREATED);
    const [{ input, init }] = fake.sent;
    expect(input).toBe('/api/verifications');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ Authorization: 'Bearer tok', 'Idempotency-Key': 'key-1', 'Content-Type': 'application/json' });
    expect(JSON.parse(init.body as string)).toEqual(body);
  });

  it('asks for the consent notice in a language, and refuses one whose version is not the hash of its text', async () => {
    const notice = { language: 'en-US', ...consentNoticeFor('en-US', DEVELOPMENT_BRANDING) };
    const fake = fakeFetch(() => jsonResponse(200, notice));
    await expect(createApiClient({ fetch: fake.fetch }).getConsentNotice('en-US')).resolves.toEqual(notice);
    expect(fake.sent[0].input).toBe('/api/consent-notice?lang=en-US');
    expect(fake.sent[0].init.method).toBe('GET');
    const forged = fakeFetch(() => jsonResponse(200, { ...notice, text: `${notice.text} ` }));
    await expect(createApiClient({ fetch: forged.fetch }).getConsentNotice('en-US')).rejects.toMatchObject({ code: 'BAD_RESPONSE', status: 200 });
  });

  it('encodes the verification id into the path', async () => {
    const fake = fakeFetch(() => jsonResponse(200, { verificationId: 'a/b', status: 'PENDING', certNoMasked: '110***', updatedAt: 'x' }));
    await createApiClient({ fetch: fake.fetch }).getVerification('tok', 'a/b');
    expect(fake.sent[0].input).toBe('/api/verifications/a%2Fb');
  });

  it('asks for a newly signed certify URL with the bearer token and an empty JSON object, in the encoded path', async () => {
    const fake = fakeFetch(() => jsonResponse(200, CREATED));
    await expect(createApiClient({ fetch: fake.fetch }).renewCertifyUrl('tok', 'a/b')).resolves.toEqual(CREATED);
    const [{ input, init }] = fake.sent;
    expect(input).toBe('/api/verifications/a%2Fb/certify-url');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ Authorization: 'Bearer tok', 'Content-Type': 'application/json' });
    expect(init.body).toBe('{}');
  });

  it('reports a closed verification by its code, and an answer without a url as BAD_RESPONSE', async () => {
    const closed = fakeFetch(() => jsonResponse(409, { error: { code: 'VERIFICATION_CLOSED', message: 'over' } }));
    await expect(createApiClient({ fetch: closed.fetch }).renewCertifyUrl('t', 'v')).rejects.toMatchObject({ code: 'VERIFICATION_CLOSED', status: 409 });
    const partial = fakeFetch(() => jsonResponse(200, { ...CREATED, url: undefined }));
    await expect(createApiClient({ fetch: partial.fetch }).renewCertifyUrl('t', 'v')).rejects.toMatchObject({ code: 'BAD_RESPONSE', status: 200 });
  });

  it('turns the backend error body into an ApiError with its code and status', async () => {
    const fake = fakeFetch(() => jsonResponse(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }));
    await expect(createApiClient({ fetch: fake.fetch }).createSession('code')).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
  });

  it('reports NETWORK_ERROR when the request never arrives', async () => {
    const fake = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(createApiClient({ fetch: fake.fetch }).getClientConfig()).rejects.toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });

  it('reports BAD_RESPONSE for a body that is not JSON, an error without a body, or a body of the wrong shape', async () => {
    const html = fakeFetch(() => Promise.resolve(new Response('<html>proxy error</html>', { status: 502 })));
    await expect(createApiClient({ fetch: html.fetch }).getClientConfig()).rejects.toMatchObject({ code: 'BAD_RESPONSE', status: 502 });
    const bare = fakeFetch(() => jsonResponse(500, {}));
    await expect(createApiClient({ fetch: bare.fetch }).getClientConfig()).rejects.toMatchObject({ code: 'BAD_RESPONSE', status: 500 });
    const wrong = fakeFetch(() => jsonResponse(200, { verificationId: 'v', status: 'DONE', certNoMasked: 'x', updatedAt: 'y' }));
    await expect(createApiClient({ fetch: wrong.fetch }).getVerification('t', 'v')).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('reports REQUEST_TIMEOUT when no answer comes within the timeout, and aborts the request', async () => {
    jest.useFakeTimers();
    try {
      const fake = fakeFetch(() => new Promise<Response>(() => undefined));
      const pending = createApiClient({ fetch: fake.fetch, timeoutMs: 5_000 }).getClientConfig();
      const assertion = expect(pending).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT', status: 0 });
      jest.advanceTimersByTime(4_999);
      expect(fake.sent[0].init.signal?.aborted).toBe(false);
      jest.advanceTimersByTime(1);
      await assertion;
      expect(fake.sent[0].init.signal?.aborted).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('fails as the shared ApiError, with Retry-After in seconds', async () => {
    const limited = fakeFetch(() =>
      Promise.resolve(
        new Response(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'wait' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '3360' },
        }),
      ),
    );
    const failure = await createApiClient({ fetch: limited.fetch }).createSession('code').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ name: 'ApiError', code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 3360 });
  });

  it('keeps what failed underneath as the cause', async () => {
    const refused = new TypeError('Failed to fetch');
    const offline = fakeFetch(() => Promise.reject(refused));
    await expect(createApiClient({ fetch: offline.fetch }).getClientConfig()).rejects.toMatchObject({ code: 'NETWORK_ERROR', cause: refused });
  });
});

describe('createUuidV4', () => {
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('builds a version-4 UUID from getRandomValues when randomUUID is missing', () => {
    const zeros = { getRandomValues: <T extends ArrayBufferView | null>(array: T): T => array };
    expect(createUuidV4(zeros)).toBe('00000000-0000-4000-8000-000000000000');
    const ones = { getRandomValues: <T extends ArrayBufferView | null>(array: T): T => { (array as unknown as Uint8Array).fill(0xff); return array; } };
    expect(createUuidV4(ones)).toMatch(UUID_V4);
  });

  it('prefers crypto.randomUUID', () => {
    expect(createUuidV4({ getRandomValues: (array) => array, randomUUID: () => '11111111-1111-4111-8111-111111111111' })).toBe('11111111-1111-4111-8111-111111111111');
  });
});
