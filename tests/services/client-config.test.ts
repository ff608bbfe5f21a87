/**
 * services/client-config.ts: the client config is fetched once per launch and shared,
 * concurrent callers share one request, a failure is not kept (the retry asks again), and the
 * logo loads from the server for a path and as given for an https URL.
 */
import { MiniEnv, loadFresh, setupAlipayEnv } from '../support/mini-env';
import { DEVELOPMENT_BRANDING } from '../../utils/consent-notice';

type ClientConfigModule = typeof import('../../services/client-config');

let env: MiniEnv;

afterEach(() => {
  env.restore();
});

function load(): ClientConfigModule {
  env = setupAlipayEnv();
  return loadFresh<ClientConfigModule>('services/client-config');
}

describe('loadClientConfig', () => {
  it('asks once, unauthenticated, and answers from memory after', async () => {
    const module = load();
    const [first, second] = await Promise.all([module.loadClientConfig(), module.loadClientConfig()]);
    const third = await module.loadClientConfig();
    expect(first).toEqual(env.backend.clientConfig);
    expect(second).toBe(first);
    expect(third).toBe(first);
    const fetched = env.backend.requestsTo('GET', '/api/client-config');
    expect(fetched).toHaveLength(1);
    expect(fetched[0].headers.authorization).toBeUndefined();
  });

  it('keeps no failure: the next call asks again', async () => {
    const module = load();
    env.backend.scripted.push({ status: 503, body: { error: { code: 'INTERNAL_ERROR', message: 'x' } } });
    await expect(module.loadClientConfig()).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await expect(module.loadClientConfig()).resolves.toMatchObject({ branding: DEVELOPMENT_BRANDING });
    expect(env.backend.requestsTo('GET', '/api/client-config')).toHaveLength(2);
  });

  it('refuses a config that fails the client policy\'s guard as BAD_RESPONSE', async () => {
    const module = load();
    env.backend.scripted.push({ status: 200, body: { ...env.backend.clientConfig, minorPolicy: 'allow' } });
    await expect(module.loadClientConfig()).rejects.toMatchObject({ name: 'ApiError', code: 'BAD_RESPONSE', status: 200 });
  });
});

describe('logoSourceOf', () => {
  it('loads a path from the server, an https URL as given, and nothing without a logo', () => {
    const module = load();
    const config = env.backend.clientConfig;
    expect(module.logoSourceOf({ ...config, branding: { ...DEVELOPMENT_BRANDING, logoUrl: '/logo.svg' } })).toBe('http://127.0.0.1:3000/logo.svg');
    expect(module.logoSourceOf({ ...config, branding: { ...DEVELOPMENT_BRANDING, logoUrl: 'https://bank.example/l.png' } })).toBe('https://bank.example/l.png');
    expect(module.logoSourceOf(config)).toBe('');
  });
});
