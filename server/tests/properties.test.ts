/**
 * Properties over many inputs, with a stub Alipay gateway (no RSA, so many runs are cheap):
 * every valid ID number of every certificate type is accepted with the type it implies, and
 * no input of any shape makes the API answer 5xx or echo what it was sent.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FastifyInstance } from 'fastify';
import { certTypeOf, maskCertNo } from '../../utils/identity';
import { TEST_NAMES, validCertNoArbitrary } from '../../tests/support/identities';
import { AlipayGateway, CertifyInitializeInput } from '../src/alipay/alipay-client';
import { buildApp } from '../src/app';
import { parseConfig } from '../src/config';
import { openSqliteRepository } from '../src/store/sqlite-repository';
import { captureStream, CURRENT_CONSENT_VERSION, TEST_PEPPER, testKeys } from './support/harness';
import { inject } from './support/http';

let app: FastifyInstance;
let token: string;
const initialized: CertifyInitializeInput[] = [];
let exchanged = 0;

// Every auth code a new Alipay user, so a run (or a shrinking rerun) that repeats a number is
// never answered with a reuse of an earlier run's verification.
const stubGateway: AlipayGateway = {
  exchangeAuthCode: async () => {
    exchanged += 1;
    return { userId: `2088${exchanged.toString().padStart(12, '0')}` };
  },
  initializeCertify: async (input) => {
    initialized.push(input);
    return { certifyId: `c${initialized.length}`, traceId: 't' };
  },
  buildCertifyUrl: async (certifyId) => `https://emulator.invalid/gateway.do?certify=${certifyId}`,
  queryCertify: async () => ({ passed: false }),
};

beforeAll(async () => {
  const config = parseConfig(
    {
      ID_HMAC_PEPPER: TEST_PEPPER,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-properties-')),
      RATE_LIMIT_PER_USER: '100000',
      RATE_LIMIT_PER_CERT_NO: '100000',
      RATE_LIMIT_PER_IP_PER_MINUTE: '0',
    },
    '/nonexistent-repo',
  );
  app = await buildApp({ config }, {
    alipay: stubGateway,
    emulatorKeys: testKeys(),
    repository: await openSqliteRepository(':memory:'),
    logStream: captureStream(),
  });
  token = (await inject(app, { method: 'POST', url: '/api/sessions', payload: { authCode: 'property-user' } })).json<{ token: string }>().token;
});

afterAll(async () => {
  await app.close();
});

it('accepts every valid ID number of every type, sending the type it implies to initialize', async () => {
  await fc.assert(
    fc.asyncProperty(validCertNoArbitrary(), fc.constantFrom(...TEST_NAMES), async (certNo, certName) => {
      const user = (await inject(app, { method: 'POST', url: '/api/sessions', payload: { authCode: 'property-run' } })).json<{ token: string }>().token;
      // Generated birth dates reach 2020: holders under 14 come with their guardian's consent.
      const response = await inject(app, {
        method: 'POST',
        url: '/api/verifications',
        headers: { authorization: `Bearer ${user}` },
        payload: { certName, certNo, guardianConsent: true, consentVersion: CURRENT_CONSENT_VERSION },
      });
      expect(response.statusCode).toBe(201);
      const sent = initialized[initialized.length - 1];
      expect(sent.identity).toEqual({ certName, certNo, certType: certTypeOf(certNo) });
      const view = await inject(app, {
        url: `/api/verifications/${response.json<{ verificationId: string }>().verificationId}`,
        headers: { authorization: `Bearer ${user}` },
      });
      expect(view.json<{ certNoMasked: string }>().certNoMasked).toBe(maskCertNo(certNo));
    }),
    { numRuns: 60 },
  );
});

it('never answers 5xx nor echoes the input, whatever JSON body it gets', async () => {
  const field = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }));
  const body = fc.oneof(
    fc.record({ certName: field, certNo: field, certType: field, bizCode: field }, { requiredKeys: [] }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), field, { maxKeys: 4 }),
    fc.string({ maxLength: 60 }).map((text) => ({ certName: text, certNo: text })),
  );
  await fc.assert(
    fc.asyncProperty(body, async (payload) => {
      const response = await inject(app, {
        method: 'POST',
        url: '/api/verifications',
        headers: { authorization: `Bearer ${token}` },
        payload,
      });
      expect(response.statusCode).toBeLessThan(500);
      if (response.statusCode >= 400) {
        expect(Object.keys(response.json().error).sort()).toEqual(['code', 'message']);
        for (const value of Object.values(payload)) {
          if (typeof value === 'string' && value.length >= 8) expect(response.body).not.toContain(value);
        }
      }
    }),
    { numRuns: 150 },
  );
});
