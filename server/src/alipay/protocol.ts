/**
 * The OpenAPI v2 gateway protocol, both sides of it, in one place: the method names this
 * product uses, how a request is signed over, where an answer keeps its node, its signature
 * and its certificate serial number, and what counts as success. The client (alipay-client.ts)
 * reads answers with it and the emulator (emulator/) writes them with it, so the two cannot
 * drift apart on the rules; where the emulator must differ, because it is the other side,
 * it says so there.
 *
 * The rules follow what the real gateway is publicly seen to send (server/tests/fixtures/
 * alipay-answers/ keeps one capture per shape, with its source), not what our emulator sends.
 *
 * @see https://opendocs.alipay.com/common/02kf5q (request signing)
 * @see https://opendocs.alipay.com/common/02mse7 (response signing: the exact text of the `*_response` node)
 * @see https://opendocs.alipay.com/common/02km9f (public result codes: 10000 success, 20000 unavailable, 4000x errors)
 */

export const METHOD_OAUTH_TOKEN = 'alipay.system.oauth.token';
export const METHOD_CERTIFY_INITIALIZE = 'alipay.user.certify.open.initialize';
export const METHOD_CERTIFY = 'alipay.user.certify.open.certify';
export const METHOD_CERTIFY_QUERY = 'alipay.user.certify.open.query';
/** Cert mode: the Alipay public certificate with a given SN, when Alipay has rotated it. */
export const METHOD_CERT_DOWNLOAD = 'alipay.open.app.alipaycert.download';

/** Where the gateway puts answers it could not route to a method (unknown method, ...). */
export const ERROR_RESPONSE_KEY = 'error_response';
/** The only `code` a success may carry; many successes carry no code at all (oauth.token). */
export const SUCCESS_CODE = '10000';
/** Service unavailable (isp.unknow-error): Alipay did nothing, so the call may be repeated. */
export const UNAVAILABLE_CODE = '20000';

/** `alipay.user.certify.open.query` → `alipay_user_certify_open_query_response` */
export function responseKeyOf(method: string): string {
  return `${method.replace(/\./g, '_')}_response`;
}

/** The string a request is signed over: every non-empty parameter but `sign`, sorted, `k=v&...`, not URL-encoded. */
export function buildRequestSignContent(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

/** One top-level member of an answer: its decoded key and the exact text of its value. */
interface AnswerMember {
  key: string;
  valueText: string;
}

const WHITESPACE = ' \t\n\r';

function skipWhitespace(raw: string, index: number): number {
  let at = index;
  while (at < raw.length && WHITESPACE.indexOf(raw[at]) >= 0) at += 1;
  return at;
}

/** Index just past the string literal starting at `index` (a `"`), or -1. */
function skipString(raw: string, index: number): number {
  for (let at = index + 1; at < raw.length; at += 1) {
    if (raw[at] === '\\') at += 1;
    else if (raw[at] === '"') return at + 1;
  }
  return -1;
}

/** Index just past the JSON value starting at `index`, or -1. Only spans; JSON.parse validates. */
function skipValue(raw: string, index: number): number {
  const first = raw[index];
  if (first === '"') return skipString(raw, index);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let at = index; at < raw.length; at += 1) {
      const char = raw[at];
      if (char === '"') {
        at = skipString(raw, at) - 1;
        if (at < 0) return -1;
      } else if (char === '{' || char === '[') {
        depth += 1;
      } else if (char === '}' || char === ']') {
        depth -= 1;
        if (depth === 0) return at + 1;
      }
    }
    return -1;
  }
  let at = index;
  while (at < raw.length && ',}]'.indexOf(raw[at]) < 0 && WHITESPACE.indexOf(raw[at]) < 0) at += 1;
  return at > index ? at : -1;
}

/**
 * The top-level members of a JSON object text, in order, keeping duplicates (which JSON.parse
 * would silently collapse to the last one). Undefined when the text is not one valid JSON object.
 */
export function scanTopLevelMembers(raw: string): AnswerMember[] | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  } catch {
    return undefined;
  }
  const members: AnswerMember[] = [];
  let at = skipWhitespace(raw, 0) + 1;
  at = skipWhitespace(raw, at);
  if (raw[at] === '}') return members;
  for (;;) {
    const keyEnd = skipString(raw, at);
    if (raw[at] !== '"' || keyEnd < 0) return undefined;
    // Decoded, so "\u0073ign" counts as a second "sign".
    const key = JSON.parse(raw.slice(at, keyEnd)) as string;
    at = skipWhitespace(raw, keyEnd);
    if (raw[at] !== ':') return undefined;
    const valueStart = skipWhitespace(raw, at + 1);
    const valueEnd = skipValue(raw, valueStart);
    if (valueEnd < 0) return undefined;
    members.push({ key, valueText: raw.slice(valueStart, valueEnd) });
    at = skipWhitespace(raw, valueEnd);
    if (raw[at] === '}') return members;
    if (raw[at] !== ',') return undefined;
    at = skipWhitespace(raw, at + 1);
  }
}

/** An answer taken apart, before any of it is trusted. */
export interface AnswerEnvelope {
  /** `<method>_response`, or `error_response`. */
  responseKey: string;
  /** The node's exact text, as the signature covers it. */
  nodeText: string;
  /** Absent when the gateway sent the answer unsigned. */
  sign?: string;
  /** Cert mode: the serial number of the Alipay certificate that signed the answer. */
  alipayCertSn?: string;
}

export type EnvelopeReading = { ok: true; envelope: AnswerEnvelope } | { ok: false; reason: string };

function readStringMember(member: AnswerMember | undefined): string | undefined | null {
  if (member === undefined) return undefined;
  const value: unknown = JSON.parse(member.valueText);
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * Takes a raw answer to `method` apart. Refuses, rather than guesses, whenever the text could
 * mean two things: a repeated top-level key (a signed node followed by an unsigned copy would
 * otherwise win through JSON.parse), two response nodes, or a node for another method.
 */
export function readAnswerEnvelope(raw: string, method: string): EnvelopeReading {
  const members = scanTopLevelMembers(raw);
  if (members === undefined) return { ok: false, reason: 'the answer is not a JSON object' };
  const byKey = new Map<string, AnswerMember>();
  for (const member of members) {
    if (byKey.has(member.key)) return { ok: false, reason: 'the answer repeats a top-level key' };
    byKey.set(member.key, member);
  }
  const nodes = members.filter((member) => member.key.endsWith('_response'));
  if (nodes.length !== 1) return { ok: false, reason: nodes.length === 0 ? 'the answer has no response node' : 'the answer has two response nodes' };
  const [node] = nodes;
  if (node.key !== responseKeyOf(method) && node.key !== ERROR_RESPONSE_KEY) {
    return { ok: false, reason: 'the answer is for another method' };
  }
  if (!node.valueText.startsWith('{')) return { ok: false, reason: 'the response node is not an object' };
  const sign = readStringMember(byKey.get('sign'));
  const alipayCertSn = readStringMember(byKey.get('alipay_cert_sn'));
  if (sign === null || alipayCertSn === null) return { ok: false, reason: 'sign or alipay_cert_sn is not a string' };
  return { ok: true, envelope: { responseKey: node.key, nodeText: node.valueText, sign, alipayCertSn } };
}

/**
 * The texts a signature may cover, in order: the node as sent, then (only if it differs) with
 * every `\/` unescaped, because some Alipay serializers escape `/` after signing. The Java SDK
 * retries the same way. Fields must be read from whichever text verified.
 */
export function signedContentCandidates(nodeText: string): string[] {
  const unescaped = nodeText.split('\\/').join('/');
  return unescaped === nodeText ? [nodeText] : [nodeText, unescaped];
}

/** What a node says, by the gateway's rule. */
export type NodeOutcome =
  | { kind: 'success' }
  | { kind: 'error'; code: string; subCode?: string };

function readField(node: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = node[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Success is "no `sub_code`, and `code` absent or 10000" (the Java SDK's AlipayResponse.isSuccess
 * looks only at sub_code; oauth.token's success carries neither). Anything under
 * `error_response` is an error, whatever it claims.
 */
export function classifyNode(responseKey: string, node: Readonly<Record<string, unknown>>): NodeOutcome {
  const code = readField(node, 'code');
  const subCode = readField(node, 'sub_code');
  if (responseKey === ERROR_RESPONSE_KEY || subCode !== undefined || (code !== undefined && code !== SUCCESS_CODE)) {
    return { kind: 'error', code: code ?? 'unknown', subCode };
  }
  return { kind: 'success' };
}

/**
 * An answer's text, as the gateway writes it: the node, then `alipay_cert_sn` (cert mode), then
 * `sign`; either may be absent. The node text goes in verbatim, since the signature covers it.
 */
export function writeAnswer(parts: { responseKey: string; nodeText: string; sign?: string; alipayCertSn?: string }): string {
  let body = `{${JSON.stringify(parts.responseKey)}:${parts.nodeText}`;
  if (parts.alipayCertSn !== undefined) body += `,"alipay_cert_sn":${JSON.stringify(parts.alipayCertSn)}`;
  if (parts.sign !== undefined) body += `,"sign":${JSON.stringify(parts.sign)}`;
  return `${body}}`;
}
