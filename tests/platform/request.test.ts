/**
 * platform/request.ts: JSON, timeout, typed ApiError by server code, one silent re-login on 401.
 */
import { MiniEnv, loadFresh, setupAlipayEnv } from '../support/mini-env';
import { DEVELOPMENT_BRANDING, consentNoticeFor } from '../../utils/consent-notice';

type RequestModule = typeof import('../../platform/request');

/** The fake backend, like the server, refuses a verification without a current consentVersion. */
const CONSENT_VERSION = consentNoticeFor('zh-CN', DEVELOPMENT_BRANDING).version;

let env: MiniEnv;
let renewals: number;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  env.restore();
  jest.useRealTimers();
});

/** Loads request.ts fresh with a session whose token the fake backend knows after one renew. */
function load(initialToken: string | null = null): RequestModule {
  env = setupAlipayEnv();
  renewals = 0;
  const loaded = loadFresh<RequestModule>('platform/request');
  let token = initialToken;
  loaded.useSessionProvider({
    getToken: () => token,
    renew: async () => {
      renewals += 1;
      const session = await loaded.request<{ token: string }>({ method: 'POST', path: '/api/sessions', body: { authCode: 'code' }, authenticated: false });
      token = session.token;
      return token;
    },
  });
  return loaded;
}

function requestArgs(): Array<{ headers: Record<string, string>; data?: string; dataType: string; timeout: number }> {
  return env.argsOf('request') as Array<{ headers: Record<string, string>; data?: string; dataType: string; timeout: number }>;
}

describe('request', () => {
  it('sends JSON with the bearer token and answers the parsed body', async () => {
    const { request } = load();
    const created = await request<{ verificationId: string }>({
      method: 'POST',
      path: '/api/verifications',
      body: { certName: 'n', certNo: 'c', consentVersion: CONSENT_VERSION },
      headers: { 'Idempotency-Key': 'key-1' },
    });
    expect(created.verificationId).toMatch(/^ver-/);
    const sent = requestArgs()[1];
    expect(sent.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer token-1', 'Idempotency-Key': 'key-1' });
    expect(JSON.parse(sent.data as string)).toEqual({ certName: 'n', certNo: 'c', consentVersion: CONSENT_VERSION });
    expect(sent.dataType).toBe('text');
  });

  it('logs in first when an authenticated call has no token yet', async () => {
    const { request } = load();
    await request({ method: 'GET', path: '/api/verifications/ver-x' }).catch(() => undefined);
    expect(env.backend.requests.map((sent) => sent.path)).toEqual(['/api/sessions', '/api/verifications/ver-x']);
    expect(renewals).toBe(1);
  });

  it('sends no Authorization header when authenticated is false', async () => {
    const { request } = load('token-stale');
    await request({ method: 'POST', path: '/api/sessions', body: { authCode: 'a' }, authenticated: false });
    expect(requestArgs()[0].headers.authorization).toBeUndefined();
  });

  it('re-logs in once on a 401 and retries with the new token', async () => {
    const { request } = load('token-stale');
    const created = await request<{ verificationId: string }>({ method: 'POST', path: '/api/verifications', body: { certNo: 'c', consentVersion: CONSENT_VERSION } });
    expect(created.verificationId).toMatch(/^ver-/);
    expect(renewals).toBe(1);
    expect(requestArgs().map((sent) => sent.headers.authorization)).toEqual(['Bearer token-stale', undefined, 'Bearer token-1']);
  });

  it('gives up with UNAUTHORIZED when the retry is refused as well', async () => {
    const { request } = load('token-stale');
    const unauthorized = { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'no' } } };
    env.backend.scripted.push(unauthorized, { status: 201, body: { token: 't', expiresAt: '2099-01-01T00:00:00Z' } }, unauthorized);
    await expect(request({ method: 'GET', path: '/api/verifications/v' })).rejects.toMatchObject({ name: 'ApiError', code: 'UNAUTHORIZED', status: 401 });
    expect(renewals).toBe(1);
  });

  it('throws the server code from {error: {code, message}} without the server message', async () => {
    const { request } = load('token-1');
    env.backend.scripted.push({ status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down, user 110101' } } });
    const failure = await request({ method: 'GET', path: '/x' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ name: 'ApiError', code: 'RATE_LIMITED', status: 429 });
    expect((failure as Error).message).toBe('RATE_LIMITED (HTTP 429)');
  });

  it("carries Retry-After in seconds, whatever the header's case", async () => {
    const { request } = load('token-1');
    const limited = { error: { code: 'RATE_LIMITED', message: 'slow down' } };
    env.backend.scripted.push({ status: 429, body: limited, headers: { 'Retry-After': '3360' } }, { status: 429, body: limited, headers: { 'retry-after': '60' } });
    await expect(request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3360 });
    await expect(request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 60 });
  });

  it('keeps the my.request failure as the cause', async () => {
    const { request } = load('token-1');
    env.backend.scripted.push({ fail: { error: 12, errorMessage: 'network' } });
    await expect(request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'NETWORK_ERROR', cause: { error: 12, errorMessage: 'network' } });
  });

  it('answers BAD_RESPONSE for an HTML error page or a non-JSON 200', async () => {
    const { request } = load('token-1');
    env.backend.scripted.push({ status: 502, text: '<html>Bad gateway</html>' }, { status: 200, text: 'ok' });
    await expect(request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'BAD_RESPONSE', status: 502 });
    await expect(request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'BAD_RESPONSE', status: 200 });
  });

  it('maps my.request failures: 12 to NETWORK_ERROR, 13 to REQUEST_TIMEOUT', async () => {
    const { request } = load('token-1');
    env.backend.scripted.push({ fail: { error: 12, errorMessage: 'network' } }, { fail: { error: 13, errorMessage: 'timeout' } });
    await expect(request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
    await expect(request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT', status: 0 });
  });

  it('times out on its own when the client never calls back', async () => {
    const { request } = load('token-1');
    env.backend.scripted.push({ hang: true });
    const pending = request({ method: 'GET', path: '/x', timeoutMs: 5000 });
    const outcome = pending.catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(4999);
    expect(requestArgs()[0].timeout).toBe(5000);
    await jest.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toMatchObject({ code: 'REQUEST_TIMEOUT' });
  });

  it('fails with UNAUTHORIZED when no session provider is plugged in', async () => {
    const { request, useSessionProvider } = load();
    useSessionProvider(null);
    await expect(request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(env.myCalls(['request'])).toEqual([]);
  });
});
