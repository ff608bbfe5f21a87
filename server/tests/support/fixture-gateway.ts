/**
 * A stand-in for Alipay's OpenAPI v2 gateway that answers only with the shapes in
 * fixtures/alipay-answers/: answers the real gateway was publicly seen to send, each kept with
 * its source, values replaced by test values. It knows nothing of our client or our emulator;
 * it signs the fixture's `signedNode` with the test Alipay key and sends the fixture's bytes,
 * HTTP status and content type as they are. See fixtures/alipay-answers/README.md.
 *
 * @see https://opendocs.alipay.com/common/02mse7 (the sign covers the exact text of the response node)
 */
import { randomBytes, createSign, KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';

/** One answer shape, as stored in fixtures/alipay-answers/<name>.json. */
export interface AnswerFixture {
  /** Public URL where the shape was seen, or for a derived shape the fixture it derives from. */
  source: string;
  /** What exactly the source shows. */
  seen: string;
  /** The gateway method this answer belongs to. */
  method: string;
  httpStatus: number;
  contentType: string;
  /** The raw answer text with placeholders (see renderAnswer). */
  body: string;
  /** The text `{{sign}}` covers: a substring of `body`, or one once `\/` is read as `/`; null when unsigned. */
  signedNode: string | null;
}

export const ANSWER_FIXTURES_DIR = join(__dirname, '..', 'fixtures', 'alipay-answers');

/** Every fixture by name (the file name without `.json`). */
export function loadAnswerFixtures(): Map<string, AnswerFixture> {
  const fixtures = new Map<string, AnswerFixture>();
  for (const file of readdirSync(ANSWER_FIXTURES_DIR).filter((name) => name.endsWith('.json')).sort()) {
    const fixture = JSON.parse(readFileSync(join(ANSWER_FIXTURES_DIR, file), 'utf8')) as AnswerFixture;
    const { body, signedNode } = fixture;
    if (signedNode !== null && !body.includes(signedNode) && !body.replace(/\\\//g, '/').includes(signedNode)) {
      throw new Error(`fixture ${file}: signedNode is not in body`);
    }
    fixtures.set(file.slice(0, -'.json'.length), fixture);
  }
  return fixtures;
}

/** The serial numbers alipay-sdk (code we did not write) computes from cert-mode certificates. */
export interface CertSerialNumbers {
  appCertSn: string;
  alipayCertSn: string;
  alipayRootCertSn: string;
}

/**
 * Reads the serial numbers with alipay-sdk's own getSN (antcertutil), through its public
 * constructor, so a regenerated certificate never needs a hard-coded SN anywhere.
 */
export function certSerialNumbersOf(certs: { appPrivateKey: string; appCert: string; alipayPublicCert: string; alipayRootCert: string }): CertSerialNumbers {
  const { config } = new AlipaySdk({
    appId: 'fixture-gateway',
    privateKey: certs.appPrivateKey,
    keyType: 'PKCS8',
    appCertContent: certs.appCert,
    alipayPublicCertContent: certs.alipayPublicCert,
    alipayRootCertContent: certs.alipayRootCert,
  });
  return { appCertSn: config.appCertSn as string, alipayCertSn: config.alipayCertSn as string, alipayRootCertSn: config.alipayRootCertSn as string };
}

export interface AnswerSigner {
  /** The test Alipay private key (PEM or KeyObject). */
  alipayPrivateKey: string | KeyObject;
  /** What `{{alipay_cert_sn}}` becomes. */
  alipayCertSn: string;
  /** Cert mode: a signed success without alipay_cert_sn gets one (see withCertSn). */
  certMode: boolean;
}

function rsa2(content: string, key: string | KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');
}

/** Index of the first `"sign"` key of the top-level object, or -1; skips strings and nested objects. */
function topLevelSignKeyIndex(body: string): number {
  let depth = 0;
  for (let index = 0; index < body.length; index += 1) {
    const char = body[index];
    if (char === '"') {
      const start = index;
      for (index += 1; body[index] !== '"'; index += 1) if (body[index] === '\\') index += 1;
      if (depth === 1 && body.slice(start, index + 1) === '"sign"' && /^\s*:/.test(body.slice(index + 1))) return start;
    } else if (char === '{' || char === '[') {
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
    }
  }
  return -1;
}

/** A node that grants: no sub_code, and code absent or 10000 (the rule of the official SDKs). */
function isSuccessNode(node: string): boolean {
  const fields = JSON.parse(node) as Record<string, unknown>;
  return fields.sub_code === undefined && (fields.code === undefined || fields.code === '10000');
}

/**
 * In cert mode the gateway puts `"alipay_cert_sn"` before `"sign"` (alipay-sdk-nodejs-all's
 * captured cert-mode answer), and the Java SDK refuses a success without it ("ALIPAY_CERT_SN is
 * Empty"). Key-mode captures of success shapes therefore get one in cert mode; error shapes are
 * left as seen, since a signed error without it must still be read.
 */
export function withCertSn(fixture: AnswerFixture): string {
  const { body, signedNode } = fixture;
  if (signedNode === null || body.includes('"alipay_cert_sn"') || !isSuccessNode(signedNode)) return body;
  const at = topLevelSignKeyIndex(body);
  return at < 0 ? body : `${body.slice(0, at)}"alipay_cert_sn":"{{alipay_cert_sn}}",${body.slice(at)}`;
}

/**
 * The bytes the gateway sends for `fixture`: `{{alipay_cert_sn}}` is the signer's SN,
 * `{{certify_id}}` a fresh 32-hex id (the gateway issues one per initialize), `{{sign}}` the
 * RSA2 signature of `signedNode`, `{{wrong_sign}}` a valid-looking signature of other text.
 */
export function renderAnswer(fixture: AnswerFixture, signer: AnswerSigner): string {
  const certifyId = randomBytes(16).toString('hex');
  // Values first, in the body and in the text the sign covers alike; the signatures last.
  const fillValues = (text: string): string =>
    text.replace(/\{\{alipay_cert_sn\}\}/g, signer.alipayCertSn).replace(/\{\{certify_id\}\}/g, certifyId);
  const signed = fillValues(fixture.signedNode ?? '');
  return fillValues(signer.certMode ? withCertSn(fixture) : fixture.body)
    .replace(/\{\{sign\}\}/g, () => rsa2(signed, signer.alipayPrivateKey))
    .replace(/\{\{wrong_sign\}\}/g, () => rsa2(`${signed} `, signer.alipayPrivateKey));
}

/** One request the gateway received. */
export interface GatewayHit {
  method: string;
  /** The URL's query: the common parameters (app_id, sign, app_auth_token, app_cert_sn, ...). */
  query: URLSearchParams;
  /** The form body: biz_content, or grant_type and code. */
  form: URLSearchParams;
}

export interface FixtureGateway {
  /** What to configure as ALIPAY_GATEWAY. */
  url: string;
  /** Every request so far, in order. */
  hits: GatewayHit[];
  /** Answers every later call of `method` with the fixture `name`. */
  answer(method: string, name: string): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Starts the gateway on 127.0.0.1 with an OS-chosen port. */
export async function startFixtureGateway(fixtures: Map<string, AnswerFixture>, signer: AnswerSigner): Promise<FixtureGateway> {
  const chosen = new Map<string, AnswerFixture>();
  const hits: GatewayHit[] = [];

  async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const form = new URLSearchParams(await readBody(request));
    const method = url.searchParams.get('method') ?? '';
    hits.push({ method, query: url.searchParams, form });
    const fixture = chosen.get(method);
    if (request.method !== 'POST' || url.pathname !== '/gateway.do' || fixture === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`no fixture chosen for ${method}`);
      return;
    }
    response.writeHead(fixture.httpStatus, { 'content-type': fixture.contentType }).end(renderAnswer(fixture, signer));
  }

  const server: Server = createServer((request, response) => {
    onRequest(request, response).catch((error: unknown) => response.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/gateway.do`,
    hits,
    answer(method, name) {
      const fixture = fixtures.get(name);
      if (fixture === undefined || fixture.method !== method) throw new Error(`no ${method} fixture named ${name}`);
      chosen.set(method, fixture);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
