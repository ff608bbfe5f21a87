/**
 * The background work's settings: RECONCILE_SCHEDULE, and WEBHOOK_URL with WEBHOOK_SECRET,
 * which fail closed (a URL without a valid secret, or a secret without a URL, stops the server).
 */
import { parseConfig } from '../src/config';
import { configProblemsOf } from './support/config-problems';

const REPO = '/srv/repo';
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

function problemsOf(env: Record<string, string>): string[] {
  return configProblemsOf(() => parseConfig(env, REPO));
}

describe('RECONCILE_SCHEDULE', () => {
  it('defaults to 20s,1m,5m,30m,1h and reads a faster one for a demo', () => {
    expect(parseConfig({}, REPO).reconcileScheduleMs).toEqual([20_000, 60_000, 300_000, 1_800_000, 3_600_000]);
    expect(parseConfig({ RECONCILE_SCHEDULE: '500ms,2s,10s' }, REPO).reconcileScheduleMs).toEqual([500, 2000, 10_000]);
  });

  it('refuses a schedule it cannot read', () => {
    expect(problemsOf({ RECONCILE_SCHEDULE: '1m,20s' })).toEqual([expect.stringContaining('RECONCILE_SCHEDULE delays must grow')]);
    expect(problemsOf({ RECONCILE_SCHEDULE: 'soon' })).toEqual([expect.stringContaining('RECONCILE_SCHEDULE must be')]);
  });
});

describe('WEBHOOK_URL and WEBHOOK_SECRET', () => {
  it('sends no webhooks when neither is set', () => {
    expect(parseConfig({}, REPO).webhook).toBeUndefined();
  });

  it('reads a receiver and its whsec_ secret', () => {
    expect(parseConfig({ WEBHOOK_URL: 'http://127.0.0.1:9000/hooks', WEBHOOK_SECRET: SECRET }, REPO).webhook).toEqual({
      url: 'http://127.0.0.1:9000/hooks',
      secret: SECRET,
    });
  });

  it.each([
    ['no secret', {}],
    ['a secret without the whsec_ prefix', { WEBHOOK_SECRET: Buffer.alloc(32, 7).toString('base64') }],
    ['a secret too short to be one', { WEBHOOK_SECRET: `whsec_${Buffer.alloc(8, 7).toString('base64')}` }],
    ['a secret that is not base64', { WEBHOOK_SECRET: 'whsec_not base64 at all!' }],
  ])('refuses a URL with %s, without quoting the secret', (_case, secret: Record<string, string>) => {
    const problems = problemsOf({ ALIPAY_MODE: 'emulator', WEBHOOK_URL: 'https://merchant.example/hooks', ...secret });
    expect(problems).toEqual([expect.stringContaining('WEBHOOK_URL needs WEBHOOK_SECRET')]);
    if (secret.WEBHOOK_SECRET) expect(problems.join('\n')).not.toContain(secret.WEBHOOK_SECRET);
  });

  it('refuses a secret without a URL, a URL that is not http(s), and plain http in production', () => {
    expect(problemsOf({ WEBHOOK_SECRET: SECRET })).toEqual([expect.stringContaining('WEBHOOK_URL is not')]);
    expect(problemsOf({ WEBHOOK_URL: 'ftp://merchant.example/hooks', WEBHOOK_SECRET: SECRET })).toEqual(['WEBHOOK_URL must be an http:// or https:// URL']);
    const production = problemsOf({ NODE_ENV: 'production', ALIPAY_MODE: 'emulator', WEBHOOK_URL: 'http://merchant.example/hooks', WEBHOOK_SECRET: SECRET });
    expect(production).toContain('WEBHOOK_URL must be an https:// URL when NODE_ENV is production');
  });
});
