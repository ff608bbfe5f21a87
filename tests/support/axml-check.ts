/**
 * A small static checker for AXML templates. No public tool renders AXML, so the tests
 * check what breaks silently on a device instead: a handler name with no method behind
 * it, or a `{{ }}` binding that names no data key and no `.sjs` helper.
 *
 * Bindings are tokenized, not evaluated: string literals are dropped, then every
 * identifier chain (`copy.title`, `view.fieldClass(...)`) must start at a data key
 * (and, while the data is an object, walk existing keys), or at an imported `.sjs`
 * module and call a function it exports.
 */

export interface AxmlScope {
  /** The page's initial data. */
  data: Record<string, unknown>;
  /** Names of the functions on the page's options object. */
  methods: string[];
  /** Imported `.sjs` modules by their `name`, with the names each exports. */
  sjs: Record<string, string[]>;
}

export interface SjsImport {
  name: string;
  from: string;
}

const LITERALS = ['true', 'false', 'null', 'undefined'];
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `<import-sjs name="view" from="./index.sjs" />` elements. */
export function readSjsImports(axml: string): SjsImport[] {
  const imports: SjsImport[] = [];
  const pattern = /<import-sjs\b([^>]*)\/?>/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(axml)) !== null) {
    const name = /\bname="([^"]+)"/.exec(match[1]);
    const from = /\bfrom="([^"]+)"/.exec(match[1]);
    if (name && from) imports.push({ name: name[1], from: from[1] });
  }
  return imports;
}

/** Names in an SJS module's `export default { a, b: c }`. */
export function listSjsExports(sjs: string): string[] {
  const match = /export\s+default\s*\{([^}]*)\}/.exec(sjs);
  if (!match) return [];
  return match[1]
    .split(',')
    .map((entry) => entry.split(':')[0].trim())
    .filter((name) => IDENTIFIER.test(name));
}

function checkBinding(expression: string, scope: AxmlScope, problems: string[]): void {
  const withoutStrings = expression.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, ' ');
  const chain = /[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*(\s*\()?/g;
  let match: RegExpExecArray | null;
  while ((match = chain.exec(withoutStrings)) !== null) {
    const before = withoutStrings.slice(0, match.index).replace(/\s+$/, '');
    if (before.endsWith('.') || /[\w$]$/.test(before)) continue;
    const isCall = match[1] !== undefined;
    const names = match[0].replace(/\(\s*$/, '').split('.').map((part) => part.trim());
    const root = names[0];
    if (LITERALS.indexOf(root) >= 0) continue;
    if (Object.prototype.hasOwnProperty.call(scope.sjs, root)) {
      if (names.length !== 2 || !isCall || scope.sjs[root].indexOf(names[1]) < 0) {
        problems.push(`{{${expression.trim()}}}: ${names.join('.')} is not a function exported by the sjs module "${root}"`);
      }
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(scope.data, root)) {
      problems.push(`{{${expression.trim()}}}: "${root}" is neither a data key nor an imported sjs module`);
      continue;
    }
    let value: unknown = scope.data[root];
    for (let index = 1; index < names.length; index += 1) {
      if (value === null || typeof value !== 'object') break;
      if (!Object.prototype.hasOwnProperty.call(value, names[index])) {
        problems.push(`{{${expression.trim()}}}: data has no ${names.slice(0, index + 1).join('.')}`);
        break;
      }
      value = (value as Record<string, unknown>)[names[index]];
    }
  }
}

/** Every problem found in one template; empty when it is sound. */
export function checkAxml(axml: string, scope: AxmlScope): string[] {
  const problems: string[] = [];
  const withoutComments = axml.replace(/<!--[\s\S]*?-->/g, '');
  if (/\ba:for\b/.test(withoutComments)) problems.push('a:for is not understood by this checker; extend it before using loops');

  const handler = /\s((?:on|catch)[A-Z][\w]*)\s*=\s*"([^"]*)"/g;
  let match: RegExpExecArray | null;
  while ((match = handler.exec(withoutComments)) !== null) {
    const [, attribute, name] = match;
    if (!IDENTIFIER.test(name)) problems.push(`${attribute}="${name}": a handler must be a plain method name`);
    else if (scope.methods.indexOf(name) < 0) problems.push(`${attribute}="${name}": no such method on the page`);
  }

  const binding = /\{\{([\s\S]*?)\}\}/g;
  while ((match = binding.exec(withoutComments)) !== null) checkBinding(match[1], scope, problems);

  const control = /<(input|button|checkbox|textarea|switch)\b[^>]*>/g;
  while ((match = control.exec(withoutComments)) !== null) {
    if (!/\saria-label="[^"]+"/.test(match[0])) problems.push(`<${match[1]}> has no aria-label`);
  }
  return problems;
}
