/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: it checks what
 * prom-client wrote against the format's own rules instead of trusting the writer. Every line
 * must be a `# HELP`, a `# TYPE`, another comment, blank, or a sample `name{labels} value
 * [timestamp]` of a family whose TYPE came first; anything else throws.
 *
 * Written here because the one small parser on npm (parse-prometheus-text-format 1.1.1, last
 * released 2019) merges every labelled histogram of a family into one and drops its labels,
 * count and sum, which is exactly what these tests read.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: `x_total`, or `x_bucket`, `x_sum`, `x_count` of histogram `x`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: FamilyType;
  help: string;
  samples: Sample[];
}

/** Text that breaks the format, with the line it is on. */
export class PrometheusTextError extends Error {
  readonly code = 'ERR_PROMETHEUS_TEXT';

  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = 'PrometheusTextError';
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES: readonly FamilyType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const SUFFIXES: Readonly<Record<FamilyType, readonly string[]>> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

function unescapeLabel(text: string): string {
  return text.replace(/\\(["\\n])/g, (_match, char: string) => (char === 'n' ? '\n' : char));
}

/** As Go's ParseFloat reads it, which the format names: NaN and Inf in any letter case (prom-client writes `Nan`). */
function parseValue(text: string, line: number): number {
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (special === 'nan') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new PrometheusTextError(line, `"${text}" is not a sample value`);
  return value;
}

/** Parses `name{a="1",b="2"} value [timestamp]`. */
function parseSample(text: string, line: number): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(text);
  if (!match) throw new PrometheusTextError(line, 'not a sample line');
  const labels: Record<string, string> = {};
  const labelText = match[2] ?? '';
  const labelPattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let cursor = 0;
  while (cursor < labelText.length) {
    labelPattern.lastIndex = cursor;
    const label = labelPattern.exec(labelText);
    if (!label) throw new PrometheusTextError(line, 'malformed labels');
    if (label[1] in labels) throw new PrometheusTextError(line, `label ${label[1]} appears twice`);
    labels[label[1]] = unescapeLabel(label[2]);
    cursor = labelPattern.lastIndex;
  }
  return { name: match[1], labels, value: parseValue(match[3], line) };
}

/** The families in `text`, by name. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  let current: Family | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '') return;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(content);
    if (meta) {
      const [, kind, name, rest = ''] = meta;
      if (!NAME.test(name)) throw new PrometheusTextError(line, `bad metric name ${name}`);
      if (kind === 'HELP') {
        helps.set(name, rest.replace(/\\(\\|n)/g, (_match, char: string) => (char === 'n' ? '\n' : '\\')));
        return;
      }
      const type = TYPES.find((candidate) => candidate === rest);
      if (!type) throw new PrometheusTextError(line, `unknown type ${rest}`);
      if (families.has(name)) throw new PrometheusTextError(line, `${name} is typed twice`);
      current = { name, type, help: helps.get(name) ?? '', samples: [] };
      families.set(name, current);
      return;
    }
    if (content.startsWith('#')) return;
    const sample = parseSample(content, line);
    if (!current || !SUFFIXES[current.type].some((suffix) => sample.name === `${current?.name}${suffix}`)) {
      throw new PrometheusTextError(line, `sample ${sample.name} outside its family`);
    }
    current.samples.push(sample);
  });
  for (const family of families.values()) family.help = helps.get(family.name) ?? family.help;
  return families;
}

/** The value of the one sample named `name` whose labels include `labels`; 0 when there is none. */
export function sampleValue(families: Map<string, Family>, family: string, name: string, labels: Record<string, string> = {}): number {
  const matches = (families.get(family)?.samples ?? []).filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value ?? 0;
}
