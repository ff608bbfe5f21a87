/**
 * The mini-program's services/serverless.ts through platform/cloud-function.ts, against the real cloud functions in
 * the emulated cloud over the gateway emulator: the answers the pages get are the HTTP API's
 * shapes, the functions' refusals are ApiErrors with the same codes, and a call that gets no
 * usable answer fails with the client codes my.request's failures have.
 */
import { CERTIFY_ID_LIFETIME_MS } from '../../utils/api-contract';
import { consentNoticeFor } from '../../utils/consent-notice';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { loadFresh, MiniEnv, setupAlipayEnv } from '../../tests/support/mini-env';
import { createServerlessClient, FakeServerlessClient } from './serverless-client';
import { ALICE, CloudHarness, startCloudHarness, TEST_CONSENT_VERSION, TEST_ENV } from './support';

type ServerlessModule = typeof import('../../services/serverless');

let harness: CloudHarness;
let env: MiniEnv;
let client: FakeServerlessClient;
let serverless: ServerlessModule;

beforeEach(async () => {
  harness = await startCloudHarness();
  env = setupAlipayEnv();
  client = createServerlessClient(harness, ALICE);
  (getApp() as { mpserverless?: unknown }).mpserverless = client;
  serverless = loadFresh<ServerlessModule>('services/serverless');
});

afterEach(async () => {
  env.restore();
  await harness.close();
});

const input = () => ({ certName: TEST_NAMES[0], certNo: makeCertNo(80), consentVersion: TEST_CONSENT_VERSION });

describe('services/serverless', () => {
  it('starts, renews and reads a verification through the two functions, authorizing the user once', async () => {
    const started = await serverless.createVerification(input());
    expect(started).toEqual({ verificationId: expect.any(String), certifyId: expect.any(String), url: expect.any(String), expiresAt: expect.any(String) });
    const renewed = await serverless.renewCertifyUrl(started.verificationId);
    expect(renewed).toMatchObject({ verificationId: started.verificationId, certifyId: started.certifyId });
    await harness.setOutcome(started.certifyId, 'PASSED');
    expect(await serverless.getVerification(started.verificationId)).toMatchObject({ verificationId: started.verificationId, status: 'PASSED' });
    expect(client.calls).toEqual(['init', 'identification-start', 'identification-start', 'identification-status']);
    expect(env.myCalls(['request'])).toEqual([]);
  });

  it('rejects with the function\'s code as an ApiError', async () => {
    const refused = serverless.createVerification({ ...input(), consentVersion: '0123456789abcdef' });
    // The module's own ApiError (it loads in a fresh registry), so by name rather than instanceof.
    await expect(refused).rejects.toMatchObject({ name: 'ApiError', code: 'CONSENT_OUTDATED' });
    const started = await serverless.createVerification(input());
    harness.clock.now += CERTIFY_ID_LIFETIME_MS;
    await expect(serverless.renewCertifyUrl(started.verificationId)).rejects.toMatchObject({ code: 'VERIFICATION_CLOSED' });
    await expect(serverless.getVerification('no-such-id')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('carries retryAfterSeconds from RATE_LIMITED', async () => {
    await harness.close();
    harness = await startCloudHarness({ env: { RATE_LIMIT_PER_USER: '1' } });
    client = createServerlessClient(harness, ALICE);
    (getApp() as { mpserverless?: unknown }).mpserverless = client;
    await serverless.createVerification(input());
    await expect(serverless.createVerification({ ...input(), certNo: makeCertNo(81) })).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3600 });
  });

  it('fails as AUTH_CODE_UNAVAILABLE when the space cannot authorize the user, and asks again on the next call', async () => {
    client.failInit = true;
    await expect(serverless.createVerification(input())).rejects.toMatchObject({ code: 'AUTH_CODE_UNAVAILABLE' });
    await expect(serverless.createVerification(input())).resolves.toMatchObject({ certifyId: expect.any(String) });
    expect(client.calls.filter((name) => name === 'init')).toEqual(['init', 'init']);
  });

  it('fails as NETWORK_ERROR when the call fails or does not run, and as BAD_RESPONSE on an answer of another shape', async () => {
    client.function.invoke = async () => {
      throw new Error('offline');
    };
    await expect(serverless.getVerification('x')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    client.function.invoke = async () => ({ success: false });
    await expect(serverless.getVerification('x')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    client.function.invoke = async () => ({ success: true, result: { verificationId: 'x' } });
    await expect(serverless.getVerification('x')).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('fails as NETWORK_ERROR, saying why, when the App has no Serverless client', async () => {
    delete (getApp() as { mpserverless?: unknown }).mpserverless;
    const failed = serverless.getVerification('x');
    await expect(failed).rejects.toMatchObject({ code: 'NETWORK_ERROR', message: expect.stringContaining('mpserverless') });
  });

  it('builds the notice from the branding the functions are configured with, so its version is one they accept', async () => {
    const branding = { merchantName: TEST_ENV.MERCHANT_NAME, dataController: TEST_ENV.MERCHANT_NAME, contact: TEST_ENV.MERCHANT_CONTACT, retentionDays: 180 };
    const notice = serverless.consentNoticeOf('zh-CN', branding);
    expect(notice).toEqual({ language: 'zh-CN', version: TEST_CONSENT_VERSION, text: consentNoticeFor('zh-CN', branding).text });
    await expect(serverless.createVerification({ ...input(), consentVersion: serverless.consentNoticeOf('en-US', branding).version })).resolves.toMatchObject({
      certifyId: expect.any(String),
    });
  });
});
