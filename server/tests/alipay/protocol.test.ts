/**
 * The gateway protocol's rules on their own: what a request is signed over, how an answer is
 * taken apart (refusing any text that could be read two ways), which texts a signature may
 * cover, and what counts as success.
 */
import {
  buildRequestSignContent,
  classifyNode,
  readAnswerEnvelope,
  responseKeyOf,
  scanTopLevelMembers,
  signedContentCandidates,
  writeAnswer,
} from '../../src/alipay/protocol';

const QUERY = 'alipay.user.certify.open.query';
const QUERY_KEY = 'alipay_user_certify_open_query_response';

describe('requests', () => {
  it('signs over every non-empty parameter but sign, sorted, not URL-encoded', () => {
    expect(buildRequestSignContent({ method: 'a.b', sign: 'xyz', app_id: '1', biz_content: '{"k":"v&w"}', empty: '', sign_type: 'RSA2' })).toBe(
      'app_id=1&biz_content={"k":"v&w"}&method=a.b&sign_type=RSA2',
    );
  });

  it('names the answer node after the method', () => {
    expect(responseKeyOf(QUERY)).toBe(QUERY_KEY);
  });
});

describe('scanTopLevelMembers', () => {
  it('keeps each member\'s exact value text, braces and quotes inside strings included, and repeated keys', () => {
    const node = '{"code":"10000","msg":"a } \\" { b","nested":{"x":[1,{"y":"}"}]}}';
    expect(scanTopLevelMembers(` { "k_response" : ${node} , "sign":"abc","sign":"def" } `)).toEqual([
      { key: 'k_response', valueText: node },
      { key: 'sign', valueText: '"abc"' },
      { key: 'sign', valueText: '"def"' },
    ]);
  });

  it('decodes keys, so an escaped spelling is the same key', () => {
    expect(scanTopLevelMembers('{"\\u0073ign":"a","n":1}')?.map((member) => member.key)).toEqual(['sign', 'n']);
  });

  it('is undefined for anything but one valid JSON object', () => {
    for (const text of ['', '[]', '"x"', '{"a":1', '{"a":1}{"b":2}', 'null', '{"a":1,}']) {
      expect(scanTopLevelMembers(text)).toBeUndefined();
    }
    expect(scanTopLevelMembers('{}')).toEqual([]);
  });
});

describe('readAnswerEnvelope', () => {
  const node = '{"code":"10000","msg":"Success","passed":"F"}';

  it('takes a signed cert-mode answer apart', () => {
    const reading = readAnswerEnvelope(`{"${QUERY_KEY}":${node},"alipay_cert_sn":"abc","sign":"c2lnbg=="}`, QUERY);
    expect(reading).toEqual({ ok: true, envelope: { responseKey: QUERY_KEY, nodeText: node, sign: 'c2lnbg==', alipayCertSn: 'abc' } });
  });

  it('accepts error_response and an unsigned answer', () => {
    const reading = readAnswerEnvelope('{"error_response":{"code":"40002","sub_code":"isv.invalid-method"}}', QUERY);
    expect(reading).toMatchObject({ ok: true, envelope: { responseKey: 'error_response', sign: undefined } });
  });

  it.each([
    ['a repeated response key', `{"${QUERY_KEY}":${node},"sign":"s","${QUERY_KEY}":{"passed":"T"}}`, 'the answer repeats a top-level key'],
    ['a repeated sign', `{"${QUERY_KEY}":${node},"sign":"s","sign":"t"}`, 'the answer repeats a top-level key'],
    ['two response nodes', `{"${QUERY_KEY}":${node},"error_response":{"code":"40004"},"sign":"s"}`, 'the answer has two response nodes'],
    ['no response node', '{"sign":"s"}', 'the answer has no response node'],
    ['a node for another method', '{"alipay_system_oauth_token_response":{"user_id":"2088"},"sign":"s"}', 'the answer is for another method'],
    ['a node that is not an object', `{"${QUERY_KEY}":"{}","sign":"s"}`, 'the response node is not an object'],
    ['a sign that is not a string', `{"${QUERY_KEY}":${node},"sign":1}`, 'sign or alipay_cert_sn is not a string'],
    ['text that is not JSON', 'Bad Gateway', 'the answer is not a JSON object'],
  ])('refuses %s', (_name, raw, reason) => {
    expect(readAnswerEnvelope(raw, QUERY)).toEqual({ ok: false, reason });
  });
});

describe('signedContentCandidates', () => {
  it('tries the text as sent, then with \\/ unescaped, and only once when there is none', () => {
    expect(signedContentCandidates('{"url":"https:\\/\\/x"}')).toEqual(['{"url":"https:\\/\\/x"}', '{"url":"https://x"}']);
    expect(signedContentCandidates('{"a":"b"}')).toEqual(['{"a":"b"}']);
  });
});

describe('classifyNode', () => {
  it('counts a node with no code and no sub_code as success (oauth.token), and code 10000', () => {
    expect(classifyNode('k_response', { access_token: 'a', user_id: '2088' })).toEqual({ kind: 'success' });
    expect(classifyNode('k_response', { code: '10000', msg: 'Success' })).toEqual({ kind: 'success' });
  });

  it('counts another code, any sub_code, and anything under error_response as an error', () => {
    expect(classifyNode('k_response', { code: '40004', sub_code: 'X' })).toEqual({ kind: 'error', code: '40004', subCode: 'X' });
    expect(classifyNode('k_response', { code: '10000', sub_code: 'X' })).toEqual({ kind: 'error', code: '10000', subCode: 'X' });
    expect(classifyNode('k_response', { sub_code: 'isv.code-invalid' })).toEqual({ kind: 'error', code: 'unknown', subCode: 'isv.code-invalid' });
    expect(classifyNode('error_response', { code: '10000' })).toEqual({ kind: 'error', code: '10000', subCode: undefined });
  });
});

describe('writeAnswer', () => {
  it('writes node, then alipay_cert_sn, then sign, each only when given, and reads back the same', () => {
    const body = writeAnswer({ responseKey: QUERY_KEY, nodeText: '{"code":"10000"}', sign: 'c2ln', alipayCertSn: 'abc' });
    expect(body).toBe(`{"${QUERY_KEY}":{"code":"10000"},"alipay_cert_sn":"abc","sign":"c2ln"}`);
    expect(writeAnswer({ responseKey: 'error_response', nodeText: '{}' })).toBe('{"error_response":{}}');
    expect(readAnswerEnvelope(body, QUERY)).toEqual({ ok: true, envelope: { responseKey: QUERY_KEY, nodeText: '{"code":"10000"}', sign: 'c2ln', alipayCertSn: 'abc' } });
  });
});
