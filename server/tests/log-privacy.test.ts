/**
 * The log check used by every app-level test file must be able to fail: a line with a test
 * ID number, in any of the forms a serializer might write it, is caught.
 */
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { capturedLogLines, expectNoSecretsInLogs } from './support/harness';

afterEach(() => {
  capturedLogLines.splice(0);
});

describe('expectNoSecretsInLogs', () => {
  const certNo = makeCertNo(701);
  const name = TEST_NAMES[0];

  it.each([
    ['a raw ID number', `{"msg":"x","id":"${certNo}"}`],
    ['a raw name', `{"msg":"${name}"}`],
    ['a unicode-escaped name', JSON.stringify({ msg: name }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)],
    ['a URL-encoded name', `{"url":"/x?n=${encodeURIComponent(name)}"}`],
  ])('catches %s', (_label, line) => {
    capturedLogLines.push('{"msg":"clean"}', line);
    expect(() => expectNoSecretsInLogs([certNo, name])).toThrow('contains a test name or ID number');
  });

  it('passes clean lines', () => {
    capturedLogLines.push('{"msg":"clean","certNoMasked":"110***********1234"}');
    expect(() => expectNoSecretsInLogs([certNo, name])).not.toThrow();
  });
});
