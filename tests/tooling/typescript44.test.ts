/**
 * The Alipay compiler transpiles mini-program TypeScript with TypeScript 4.4.4. Every
 * mini-program source must parse there: no `satisfies`, no `import { type X }`, no
 * const type parameters, no decorators. The last tests prove the check can fail.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ts44 from 'typescript44';

const ROOT = join(__dirname, '..', '..');

function listTypeScript(folder: string): string[] {
  const absolute = join(ROOT, folder);
  if (!statSync(absolute, { throwIfNoEntry: false })) return [];
  return readdirSync(absolute, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return listTypeScript(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SOURCES = ['app.ts', ...['pages', 'platform', 'utils', 'services', 'config'].flatMap(listTypeScript)];

function diagnosticsOf(source: string, fileName: string): string[] {
  const output = ts44.transpileModule(source, {
    compilerOptions: { target: ts44.ScriptTarget.ES5, module: ts44.ModuleKind.CommonJS },
    fileName,
    reportDiagnostics: true,
  });
  return (output.diagnostics || []).map((diagnostic) => `${fileName}: ${ts44.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
}

describe('TypeScript 4.4.4 syntax', () => {
  it('is really TypeScript 4.4.4', () => {
    expect(ts44.version).toBe('4.4.4');
  });

  it('finds the mini-program sources', () => {
    expect(SOURCES).toEqual(expect.arrayContaining(['app.ts', 'pages/verify/index.ts', 'utils/identity.ts', 'platform/certify-bridge.ts', 'config/index.ts']));
  });

  it.each(SOURCES.map((path) => [path]))('%s transpiles without diagnostics', (path) => {
    expect(diagnosticsOf(readFileSync(join(ROOT, path), 'utf8'), path)).toEqual([]);
  });

  it('uses no regex Unicode property escapes, which old engines reject', () => {
    const offenders = SOURCES.filter((path) => /\\p\{/.test(readFileSync(join(ROOT, path), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('fails on `satisfies` (TypeScript 4.9)', () => {
    expect(diagnosticsOf('const limits = { max: 1 } satisfies Record<string, number>;\n', 'satisfies.ts')).not.toEqual([]);
  });

  it('fails on an inline type import (TypeScript 4.5)', () => {
    expect(diagnosticsOf("import { type CertType } from './identity';\nexport const x: CertType = 'IDENTITY_CARD';\n", 'inline-type.ts')).not.toEqual([]);
  });

  it('fails on a const type parameter (TypeScript 5.0)', () => {
    expect(diagnosticsOf('export function keep<const T>(value: T): T { return value; }\n', 'const-type.ts')).not.toEqual([]);
  });
});
