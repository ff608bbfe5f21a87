/**
 * The merchant's back office through the whole app, over real HTTP: a person verifies on their
 * phone; the merchant's server, with an API key, finds the result, its status history and the
 * user's latest PASSED verification, and deletes the user's records on request. No answer
 * carries a name or an ID number.
 */
import { CreateVerificationResponse } from '../../utils/api-contract';
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { createApiKey } from '../src/services/api-keys';
import { expectNoSecretsInLogs, Harness, startHarness } from './support/harness';
import { TestResponse } from './support/http';

const person = { certName: TEST_NAMES[4], certNo: makeCertNo(801) };
let harness: Harness;
let apiKey: string;

beforeEach(async () => {
  harness = await startHarness();
  apiKey = (await createApiKey(harness.repository, { name: 'back office', scopes: ['verifications:read', 'verifications:delete'], now: harness.clock.now })).key;
});

afterEach(async () => {
  await harness.close();
});

afterAll(() => {
  expectNoSecretsInLogs([person.certName, person.certNo]);
});

function merchant(method: string, url: string, key = apiKey): Promise<TestResponse> {
  return harness.request({ method, url: `/api/merchant${url}`, headers: { authorization: `Bearer ${key}` } });
}

function expectNoPersonalData(response: TestResponse): void {
  expect(response.body).not.toContain(person.certNo);
  expect(response.body).not.toContain(person.certName);
  expect(response.body).not.toMatch(/hmac|certifyId|outerOrderNo/i);
}

it('finds a passed verification, its history and the user\'s latest PASSED one, with the masked number only', async () => {
  const token = await harness.login('merchant-flow-user');
  const created = (await harness.createVerification(token, person)).json<CreateVerificationResponse>();
  const none = await merchant('GET', `/users/${encodeURIComponent((await harness.repository.findVerification(created.verificationId))?.userId ?? '')}/verification`);
  expect(none.statusCode).toBe(404);

  await harness.setOutcome(created.certifyId, 'PASSED');
  harness.clock.advance(20_000);
  await harness.app.reconciler.runOnce();

  const list = await merchant('GET', '/verifications?status=PASSED');
  expect(list.statusCode).toBe(200);
  const [item] = list.json<{ items: Array<{ verificationId: string; userId: string; certNoMasked: string }> }>().items;
  expect(item.verificationId).toBe(created.verificationId);
  expect(item.certNoMasked).toMatch(/^\d{3}\*+\d{4}$|^\d{3}\*+\d{3}X$/);

  const one = await merchant('GET', `/verifications/${created.verificationId}`);
  expect(one.json<{ statusHistory: Array<{ status: string }> }>().statusHistory.map((entry) => entry.status)).toEqual(['PENDING', 'PASSED']);
  const latest = await merchant('GET', `/users/${encodeURIComponent(item.userId)}/verification`);
  expect(latest.json<{ verificationId: string }>().verificationId).toBe(created.verificationId);
  for (const response of [list, one, latest]) expectNoPersonalData(response);
});

it("deletes a user's records on request: the person's own client no longer finds them", async () => {
  const token = await harness.login('merchant-delete-user');
  const created = (await harness.createVerification(token, person)).json<CreateVerificationResponse>();
  const userId = (await harness.repository.findVerification(created.verificationId))?.userId ?? '';
  const deleted = await merchant('DELETE', `/users/${encodeURIComponent(userId)}/verifications`);
  expect(deleted.json()).toEqual({ deleted: { verifications: 1, webhookEvents: 0, attempts: 1 } });
  const gone = await harness.getVerification(token, created.verificationId);
  expect(gone.statusCode).toBe(404);
  expect(gone.json().error.code).toBe('NOT_FOUND');
});

it('refuses a revoked key with 401 and a key without the scope with 403', async () => {
  const webhooksOnly = (await createApiKey(harness.repository, { name: 'ops', scopes: ['webhooks:read'], now: harness.clock.now })).key;
  const forbidden = await merchant('GET', '/verifications', webhooksOnly);
  expect(forbidden.statusCode).toBe(403);
  expect(forbidden.json().error.code).toBe('FORBIDDEN');
  await harness.repository.revokeApiKey(/^mk_([0-9a-f]{12})_/.exec(apiKey)?.[1] ?? '', harness.clock.now);
  const revoked = await merchant('GET', '/verifications');
  expect(revoked.statusCode).toBe(401);
  expect(revoked.json().error.code).toBe('UNAUTHORIZED');
});

it('documents the merchant API and the webhook body in the OpenAPI document', async () => {
  const openapi = (await harness.request({ url: '/openapi.json' })).json<{
    paths: Record<string, Record<string, { security?: unknown }>>;
    components: { securitySchemes: Record<string, unknown>; schemas: Record<string, { properties: Record<string, unknown> }> };
  }>();
  expect(Object.keys(openapi.paths)).toEqual(
    expect.arrayContaining([
      '/api/merchant/verifications',
      '/api/merchant/verifications/{verificationId}',
      '/api/merchant/users/{userId}/verification',
      '/api/merchant/users/{userId}/verifications',
      '/api/merchant/webhooks/dead',
      '/api/merchant/webhooks/{webhookId}/replay',
    ]),
  );
  expect(openapi.paths['/api/merchant/verifications'].get.security).toEqual([{ merchantApiKey: [] }]);
  expect(openapi.components.securitySchemes.merchantApiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  expect(Object.keys(openapi.components.schemas.VerificationWebhook.properties)).toEqual(['type', 'timestamp', 'data']);
});
