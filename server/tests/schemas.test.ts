/**
 * The JSON schemas name exactly the fields of the contract types in utils/api-contract.ts.
 * The `Record<keyof T, true>` tables make tsc fail when the contract gains or loses a field.
 */
import {
  ClientConfig,
  ConsentNoticeResponse,
  CreateSessionRequest,
  CreateSessionResponse,
  CreateVerificationRequest,
  CreateVerificationResponse,
  VerificationView,
} from '../../utils/api-contract';
import {
  ClientConfigReply,
  ConsentNoticeReply,
  CreateSessionBody,
  CreateSessionReply,
  CreateVerificationBody,
  CreateVerificationReply,
  VerificationReply,
} from '../src/schemas';

const contractFields = {
  CreateSessionRequest: { authCode: true } satisfies Record<keyof CreateSessionRequest, true>,
  CreateSessionResponse: { token: true, expiresAt: true } satisfies Record<keyof CreateSessionResponse, true>,
  CreateVerificationRequest: { certName: true, certNo: true, certType: true, bizCode: true, guardianConsent: true, consentVersion: true, replaces: true } satisfies Record<keyof CreateVerificationRequest, true>,
  CreateVerificationResponse: { verificationId: true, certifyId: true, url: true, expiresAt: true, reused: true } satisfies Record<keyof CreateVerificationResponse, true>,
  VerificationView: { verificationId: true, status: true, certNoMasked: true, updatedAt: true } satisfies Record<keyof VerificationView, true>,
  ConsentNoticeResponse: { language: true, version: true, text: true } satisfies Record<keyof ConsentNoticeResponse, true>,
  ClientConfig: { mode: true, appId: true, oauthAuthorizeUrl: true, doneUrl: true, branding: true, minorPolicy: true } satisfies Record<keyof ClientConfig, true>,
};

describe('schemas match the contract', () => {
  it.each([
    ['CreateSessionRequest', CreateSessionBody],
    ['CreateSessionResponse', CreateSessionReply],
    ['CreateVerificationRequest', CreateVerificationBody],
    ['CreateVerificationResponse', CreateVerificationReply],
    ['VerificationView', VerificationReply],
    ['ConsentNoticeResponse', ConsentNoticeReply],
    ['ClientConfig', ClientConfigReply],
  ] as const)('%s', (name, schema) => {
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(contractFields[name]).sort());
  });

  it('refuses unknown fields in request bodies', () => {
    expect(CreateSessionBody.additionalProperties).toBe(false);
    expect(CreateVerificationBody.additionalProperties).toBe(false);
  });
});
