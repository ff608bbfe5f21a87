/**
 * The strict text-format reader the metrics tests rely on: it reads what the format allows
 * (labels with escapes, histograms by their suffixes, NaN and Inf as Go writes them) and
 * refuses what it does not, so a malformed /metrics fails the tests instead of passing them.
 */
import { parsePrometheusText, sampleValue } from './prometheus-text';

const TEXT = `# HELP requests_total Answered requests
# TYPE requests_total counter
requests_total{route="/a",status_code="200"} 3
requests_total{route="/b\\\\\\"x\\"",status_code="500"} 1 1700000000000

# HELP lag_seconds Lag
# TYPE lag_seconds gauge
lag_seconds Nan
# TYPE call_seconds histogram
call_seconds_bucket{le="0.1",method="m"} 2
call_seconds_bucket{le="+Inf",method="m"} 3
call_seconds_sum{method="m"} 0.42
call_seconds_count{method="m"} 3
`;

it('reads counters, gauges and histograms with their labels, help and types', () => {
  const families = parsePrometheusText(TEXT);
  expect(families.get('requests_total')).toMatchObject({ type: 'counter', help: 'Answered requests' });
  expect(sampleValue(families, 'requests_total', 'requests_total', { route: '/a' })).toBe(3);
  expect(sampleValue(families, 'requests_total', 'requests_total', { route: '/b\\"x"' })).toBe(1);
  expect(Number.isNaN(sampleValue(families, 'lag_seconds', 'lag_seconds'))).toBe(true);
  expect(sampleValue(families, 'call_seconds', 'call_seconds_count', { method: 'm' })).toBe(3);
  expect(sampleValue(families, 'call_seconds', 'call_seconds_bucket', { method: 'm', le: '+Inf' })).toBe(3);
  expect(sampleValue(families, 'requests_total', 'requests_total', { route: '/none' })).toBe(0);
});

it.each([
  ['a sample before its TYPE', 'orphan_total 1\n'],
  ['a sample of another family', '# TYPE a_total counter\nb_total 1\n'],
  ['a value that is not a number', '# TYPE a_total counter\na_total one\n'],
  ['an unquoted label value', '# TYPE a_total counter\na_total{route=/a} 1\n'],
  ['a label given twice', '# TYPE a_total counter\na_total{x="1",x="2"} 1\n'],
  ['an unknown type', '# TYPE a_total meter\n'],
])('refuses %s', (_name, text) => {
  expect(() => parsePrometheusText(text)).toThrow(expect.objectContaining({ code: 'ERR_PROMETHEUS_TEXT', message: expect.stringMatching(/^line \d+: /) }));
});
