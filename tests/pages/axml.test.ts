/**
 * Static AXML check for every page in app.json: handlers exist on the page, bindings
 * name data keys or sjs helpers, inputs and buttons carry aria-label. The fixture tests
 * at the end prove the checker catches each kind of mistake.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AxmlScope, checkAxml, listSjsExports, readSjsImports } from '../support/axml-check';
import { MiniEnv, setupAlipayEnv } from '../support/mini-env';

const ROOT = join(__dirname, '..', '..');
const PAGES = (JSON.parse(readFileSync(join(ROOT, 'app.json'), 'utf8')) as { pages: string[] }).pages;

let env: MiniEnv | null = null;

afterEach(() => {
  if (env) env.restore();
  env = null;
});

function scopeOf(page: string): AxmlScope {
  const booted = setupAlipayEnv();
  env = booted;
  booted.boot({ pages: [page] });
  const options = booted.pageOptions[page];
  const data = (typeof options.data === 'function' ? (options.data as () => Record<string, unknown>)() : options.data) as Record<string, unknown>;
  const methods = Object.keys(options).filter((key) => typeof options[key] === 'function' && key !== 'data');
  const axml = readFileSync(join(ROOT, `${page}.axml`), 'utf8');
  const sjs: Record<string, string[]> = {};
  readSjsImports(axml).forEach((imported) => {
    const path = join(ROOT, dirname(page), imported.from);
    sjs[imported.name] = existsSync(path) ? listSjsExports(readFileSync(path, 'utf8')) : [];
  });
  return { data, methods, sjs };
}

describe('every page', () => {
  it('lists the three pages, each with its four files', () => {
    expect(PAGES).toEqual(['pages/verify/index', 'pages/result/index', 'pages/consent/index']);
    PAGES.forEach((page) => ['axml', 'acss', 'ts', 'json'].forEach((extension) => expect(existsSync(join(ROOT, `${page}.${extension}`))).toBe(true)));
  });

  it.each(PAGES.map((page) => [page]))('%s.axml names only real handlers, data keys and sjs helpers, and labels its controls', (page) => {
    const axml = readFileSync(join(ROOT, `${page}.axml`), 'utf8');
    readSjsImports(axml).forEach((imported) => expect(existsSync(join(ROOT, dirname(page), imported.from))).toBe(true));
    expect(checkAxml(axml, scopeOf(page))).toEqual([]);
  });
});

describe('the checker', () => {
  const scope: AxmlScope = {
    data: { copy: { title: 'T' }, submitting: false },
    methods: ['onSubmitTap'],
    sjs: { view: ['submitLabel'] },
  };

  it('passes a sound template', () => {
    const sound = '<import-sjs name="view" from="./index.sjs" /><button aria-label="{{copy.title}}" onTap="onSubmitTap">{{view.submitLabel(submitting, copy)}}</button>';
    expect(checkAxml(sound, scope)).toEqual([]);
  });

  it('catches a missing handler, a dynamic handler and a missing label', () => {
    const wrong = '<button onTap="onSubmitTapp">x</button><view catchTap="{{handler}}" />';
    expect(checkAxml(wrong, scope)).toEqual([
      'onTap="onSubmitTapp": no such method on the page',
      'catchTap="{{handler}}": a handler must be a plain method name',
      '{{handler}}: "handler" is neither a data key nor an imported sjs module',
      '<button> has no aria-label',
    ]);
  });

  it('catches an unknown data key, a missing copy key and an unknown or uncalled sjs helper', () => {
    const wrong = '<text>{{titel}}</text><text>{{copy.titel}}</text><text>{{view.missing(copy)}}</text><text>{{view.submitLabel}}</text>';
    expect(checkAxml(wrong, scope)).toEqual([
      '{{titel}}: "titel" is neither a data key nor an imported sjs module',
      '{{copy.titel}}: data has no copy.titel',
      '{{view.missing(copy)}}: view.missing is not a function exported by the sjs module "view"',
      '{{view.submitLabel}}: view.submitLabel is not a function exported by the sjs module "view"',
    ]);
  });

  it('ignores string literals and keywords inside bindings, and refuses loops it cannot check', () => {
    expect(checkAxml("<view a:if=\"{{view.submitLabel(submitting, 'still-processing') === true}}\" />", scope)).toEqual([]);
    expect(checkAxml('<view a:for="{{copy}}">{{item}}</view>', scope)[0]).toBe('a:for is not understood by this checker; extend it before using loops');
  });

  it('reads sjs exports', () => {
    expect(listSjsExports('function a() {}\nfunction b() {}\nexport default { a, b: b };\n')).toEqual(['a', 'b']);
  });
});
