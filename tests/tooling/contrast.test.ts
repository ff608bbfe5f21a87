/**
 * WCAG 2.x AA contrast of every colour pair the H5 page, the mini-program and the
 * emulator's certify and index pages render together, read from the stylesheets themselves, so a
 * colour change that drops a pair below the bar fails here before anyone sees it.
 * Text needs 4.5:1 (3:1 when large: 24 px, or 18.66 px bold); field borders, focus rings
 * and button outlines need 3:1 against what surrounds them (success criterion 1.4.11).
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 * @see https://www.w3.org/TR/WCAG22/#dfn-relative-luminance
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCertifyErrorPage, renderCertifyPage } from '../../server/src/emulator/certify-page';
import { renderIndexPage } from '../../server/src/emulator/index-page';
import { NO_FAULTS } from '../../server/src/emulator/faults';
import { DEFAULT_EMULATOR_SETTINGS } from '../../server/src/emulator/settings';

const ROOT = join(__dirname, '..', '..');

/** Declarations per selector: selector → property → value (a later rule wins, as in CSS). */
type Stylesheet = Map<string, Map<string, string>>;

/** Finds the `}` that closes the block opened at `open`. */
function closingBrace(css: string, open: number): number {
  let depth = 0;
  for (let index = open; index < css.length; index += 1) {
    if (css[index] === '{') depth += 1;
    if (css[index] === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  throw new Error(`Unclosed block at ${open}`);
}

/** Reads plain rules, and rules inside @media; other at-rules (@keyframes) hold no colour pairs. */
function parseStylesheet(css: string, into: Stylesheet = new Map()): Stylesheet {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  let cursor = 0;
  for (;;) {
    const open = text.indexOf('{', cursor);
    if (open < 0) return into;
    const close = closingBrace(text, open);
    const prelude = text.slice(cursor, open).trim();
    const body = text.slice(open + 1, close);
    cursor = close + 1;
    if (prelude.indexOf('@media') === 0) parseStylesheet(body, into);
    if (prelude.charAt(0) === '@') continue;
    prelude.split(',').forEach((raw) => {
      const selector = raw.trim().replace(/\s+/g, ' ');
      const declarations = into.get(selector) ?? new Map<string, string>();
      body.split(';').forEach((declaration) => {
        const colon = declaration.indexOf(':');
        if (colon > 0) declarations.set(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
      });
      into.set(selector, declarations);
    });
  }
}

function readSheet(path: string): Stylesheet {
  return parseStylesheet(readFileSync(join(ROOT, path), 'utf8'));
}

/** The <style> of a page the emulator serves, as it serves it. */
function styleOfPage(html: string): Stylesheet {
  const match = /<style>([\s\S]*?)<\/style>/.exec(html);
  if (!match) throw new Error('The page has no <style>');
  return parseStylesheet(match[1]);
}

const SHEETS = {
  h5: readSheet('h5/public/styles.css'),
  'mini-app': readSheet('app.acss'),
  'mini-consent': readSheet('pages/consent/index.acss'),
  'mini-result': readSheet('pages/result/index.acss'),
  'mini-verify': readSheet('pages/verify/index.acss'),
  'emulator-certify': styleOfPage(renderCertifyPage({ actionPath: '/emulator/certify-page/x', certNoMasked: '110***********002X' })),
  'emulator-error': styleOfPage(renderCertifyErrorPage('CERTIFY_ID_NOT_EXIST')),
  'emulator-index': styleOfPage(renderIndexPage({ certifications: [], faults: NO_FAULTS, settings: DEFAULT_EMULATOR_SETTINGS, prefix: '/emulator' })),
} as const;

type SheetName = keyof typeof SHEETS;

/** Where one colour of a pair is declared: a selector exactly as written, and its property. */
interface ColourSource {
  sheet: SheetName;
  selector: string;
  property: 'color' | 'background' | 'border' | 'border-color' | 'outline';
}

type PairKind = 'text' | 'large-text' | 'non-text';

/** Two colours that are rendered one on the other, and what they show. */
interface ColourPair {
  name: string;
  kind: PairKind;
  foreground: ColourSource;
  background: ColourSource;
}

const MINIMUM: Readonly<Record<PairKind, number>> = { text: 4.5, 'large-text': 3, 'non-text': 3 };

/** The hex colour a declaration holds, with `var(--x)` resolved from the sheet's :root. */
function resolveColour(source: ColourSource): string {
  const sheet: Stylesheet = SHEETS[source.sheet];
  const value = sheet.get(source.selector)?.get(source.property);
  if (value === undefined) throw new Error(`${source.sheet}: no ${source.property} in "${source.selector}"`);
  const root = sheet.get(':root');
  const resolved = value.replace(/var\((--[\w-]+)\)/g, (whole, name: string) => {
    const variable = root?.get(name);
    if (variable === undefined) throw new Error(`${source.sheet}: ${name} is not defined in :root`);
    return variable;
  });
  const hex = /#(?:[0-9a-f]{6}|[0-9a-f]{3})\b/i.exec(resolved);
  if (!hex) throw new Error(`${source.sheet}: "${source.selector}" ${source.property} is not a hex colour: ${value}`);
  return hex[0].toLowerCase();
}

/** WCAG relative luminance of an sRGB hex colour (#rgb or #rrggbb). */
function relativeLuminance(hex: string): number {
  const digits = hex.slice(1);
  const full = digits.length === 3 ? digits.replace(/./g, (digit) => digit + digit) : digits;
  const [red, green, blue] = [0, 2, 4].map((offset) => {
    const channel = parseInt(full.slice(offset, offset + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : Math.pow((channel + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}

/** WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white). */
function contrastRatio(first: string, second: string): number {
  const [lighter, darker] = [relativeLuminance(first), relativeLuminance(second)].sort((a, b) => b - a);
  return (lighter + 0.05) / (darker + 0.05);
}

const h5 = (selector: string, property: ColourSource['property']): ColourSource => ({ sheet: 'h5', selector, property });
const H5_CARD = h5('.card', 'background');
const H5_BODY_TEXT = h5('body', 'color');

/** The H5 page (h5/public/styles.css): text on the grey page, on the white card, and on its tinted boxes. */
const H5_PAIRS: ColourPair[] = [
  { name: 'page title on the page', kind: 'text', foreground: H5_BODY_TEXT, background: h5('body', 'background') },
  { name: 'body text on the card', kind: 'text', foreground: H5_BODY_TEXT, background: H5_CARD },
  { name: 'form intro', kind: 'text', foreground: h5('.intro', 'color'), background: H5_CARD },
  { name: 'cancelled notice', kind: 'text', foreground: h5('.notice', 'color'), background: h5('.notice', 'background') },
  { name: 'form-level error', kind: 'text', foreground: h5('.form-error', 'color'), background: h5('.form-error', 'background') },
  { name: 'field hint', kind: 'text', foreground: h5('.hint', 'color'), background: H5_CARD },
  { name: 'field error', kind: 'text', foreground: h5('.field-error', 'color'), background: H5_CARD },
  { name: 'consent summary', kind: 'text', foreground: h5('.consent-summary', 'color'), background: H5_CARD },
  { name: 'consent notice text', kind: 'text', foreground: h5('.consent-details', 'color'), background: H5_CARD },
  { name: 'consent notice link', kind: 'text', foreground: h5('.consent-details summary', 'color'), background: H5_CARD },
  { name: 'consent notice headings', kind: 'text', foreground: h5('.consent-details h3', 'color'), background: H5_CARD },
  { name: 'primary button label', kind: 'text', foreground: h5('button.primary', 'color'), background: h5('button.primary', 'background') },
  { name: 'pressed primary button label', kind: 'text', foreground: h5('button.primary', 'color'), background: h5('button.primary:active', 'background') },
  { name: 'secondary button label', kind: 'text', foreground: h5('button.secondary', 'color'), background: h5('button.secondary', 'background') },
  { name: 'privacy note', kind: 'text', foreground: h5('.privacy', 'color'), background: H5_CARD },
  { name: 'result message', kind: 'text', foreground: h5('.outcome p', 'color'), background: H5_CARD },
  { name: 'result detail term', kind: 'text', foreground: h5('.details dt', 'color'), background: h5('.details', 'background') },
  { name: 'result detail value', kind: 'text', foreground: H5_BODY_TEXT, background: h5('.details', 'background') },
  // The result icon's glyph is 30 px bold: large text.
  ...(['success', 'danger', 'warning', 'info'] as const).map(
    (tone): ColourPair => ({
      name: `${tone} result icon glyph`,
      kind: 'large-text',
      foreground: h5('.outcome-icon', 'color'),
      background: h5(`.outcome[data-tone="${tone}"] .outcome-icon`, 'background'),
    }),
  ),
  { name: 'text field border', kind: 'non-text', foreground: h5('.field input', 'border'), background: H5_CARD },
  { name: 'invalid text field border', kind: 'non-text', foreground: h5('.field input[aria-invalid="true"]', 'border-color'), background: H5_CARD },
  { name: 'text field focus ring', kind: 'non-text', foreground: h5('.field input:focus', 'outline'), background: H5_CARD },
  { name: 'invalid consent box outline', kind: 'non-text', foreground: h5('.consent input[aria-invalid="true"]', 'outline'), background: H5_CARD },
  { name: 'secondary button border', kind: 'non-text', foreground: h5('button.secondary', 'border'), background: H5_CARD },
  { name: 'button focus ring', kind: 'non-text', foreground: h5('button:focus-visible', 'outline'), background: H5_CARD },
];

const mini = (sheet: SheetName, selector: string, property: ColourSource['property']): ColourSource => ({ sheet, selector, property });
const MINI_PAGE_TEXT = mini('mini-app', 'page', 'color');
const MINI_PAGE = mini('mini-app', 'page', 'background');

/**
 * The mini-program (app.acss and pages/*\/index.acss). Its primary buttons are Alipay's own
 * `<button type="primary">`, coloured by the client, not by these sheets.
 */
const MINI_PAIRS: ColourPair[] = [
  { name: 'page text (titles, consent page headings)', kind: 'text', foreground: MINI_PAGE_TEXT, background: MINI_PAGE },
  { name: 'consent page body', kind: 'text', foreground: mini('mini-consent', '.body', 'color'), background: MINI_PAGE },
  { name: 'result heading', kind: 'text', foreground: MINI_PAGE_TEXT, background: mini('mini-result', '.card', 'background') },
  { name: 'result body', kind: 'text', foreground: mini('mini-result', '.body', 'color'), background: mini('mini-result', '.card', 'background') },
  { name: 'passed heading', kind: 'text', foreground: mini('mini-result', '.passed .heading', 'color'), background: mini('mini-result', '.card', 'background') },
  { name: 'failed and expired heading', kind: 'text', foreground: mini('mini-result', '.failed .heading', 'color'), background: mini('mini-result', '.card', 'background') },
  { name: 'masked number under the result', kind: 'text', foreground: mini('mini-result', '.masked-row', 'color'), background: MINI_PAGE },
  { name: 'form intro', kind: 'text', foreground: mini('mini-verify', '.intro', 'color'), background: MINI_PAGE },
  { name: 'field label', kind: 'text', foreground: mini('mini-verify', '.label', 'color'), background: mini('mini-verify', '.field', 'background') },
  { name: 'field error', kind: 'text', foreground: mini('mini-verify', '.error', 'color'), background: mini('mini-verify', '.field', 'background') },
  { name: 'consent text', kind: 'text', foreground: mini('mini-verify', '.consent', 'color'), background: mini('mini-verify', '.consent', 'background') },
  { name: 'consent notice link', kind: 'text', foreground: mini('mini-verify', '.link', 'color'), background: mini('mini-verify', '.consent', 'background') },
  { name: 'verifying-for summary', kind: 'text', foreground: MINI_PAGE_TEXT, background: mini('mini-verify', '.summary', 'background') },
  { name: 'notice', kind: 'text', foreground: mini('mini-verify', '.notice', 'color'), background: mini('mini-verify', '.notice', 'background') },
  { name: 'upgrade message', kind: 'text', foreground: MINI_PAGE_TEXT, background: mini('mini-verify', '.upgrade', 'background') },
  { name: 'invalid field border', kind: 'non-text', foreground: mini('mini-verify', '.field-invalid', 'border'), background: MINI_PAGE },
];

const certify = (selector: string, property: ColourSource['property']): ColourSource => ({ sheet: 'emulator-certify', selector, property });
const emulatorIndex = (selector: string, property: ColourSource['property']): ColourSource => ({ sheet: 'emulator-index', selector, property });
const CERTIFY_PAGE = certify('body', 'background');

/** The emulator's certify page and its error page (server/src/emulator/certify-page.ts) and its index page (index-page.ts), as rendered. */
const EMULATOR_PAIRS: ColourPair[] = [
  { name: 'certify page text', kind: 'text', foreground: certify('body', 'color'), background: CERTIFY_PAGE },
  { name: 'certify page English lines', kind: 'text', foreground: certify('.en', 'color'), background: CERTIFY_PAGE },
  { name: 'certify page text on the card', kind: 'text', foreground: certify('body', 'color'), background: certify('.card', 'background') },
  { name: 'certify page English line on the card', kind: 'text', foreground: certify('.en', 'color'), background: certify('.card', 'background') },
  // `button .en` inherits its button's colour (asserted below), so each label's two lines share it.
  { name: 'pass button labels', kind: 'text', foreground: certify('.pass', 'color'), background: certify('.pass', 'background') },
  { name: 'fail button labels', kind: 'text', foreground: certify('.fail', 'color'), background: certify('.fail', 'background') },
  { name: 'cancel button labels', kind: 'text', foreground: certify('.cancel', 'color'), background: certify('.cancel', 'background') },
  { name: 'cancel button border', kind: 'non-text', foreground: certify('.cancel', 'border'), background: CERTIFY_PAGE },
  { name: 'button focus ring', kind: 'non-text', foreground: certify('button:focus-visible', 'outline'), background: CERTIFY_PAGE },
  { name: 'error page text', kind: 'text', foreground: { sheet: 'emulator-error', selector: 'body', property: 'color' }, background: { sheet: 'emulator-error', selector: 'body', property: 'background' } },
  { name: 'error page English line', kind: 'text', foreground: { sheet: 'emulator-error', selector: '.en', property: 'color' }, background: { sheet: 'emulator-error', selector: 'body', property: 'background' } },
  { name: 'index page text', kind: 'text', foreground: emulatorIndex('body', 'color'), background: emulatorIndex('body', 'background') },
  { name: 'index page English lines', kind: 'text', foreground: emulatorIndex('.en', 'color'), background: emulatorIndex('body', 'background') },
  { name: 'index page text on a card', kind: 'text', foreground: emulatorIndex('.card', 'color'), background: emulatorIndex('.card', 'background') },
  { name: 'index page English line on a card', kind: 'text', foreground: emulatorIndex('.en', 'color'), background: emulatorIndex('.card', 'background') },
  { name: 'index page links on a card', kind: 'text', foreground: emulatorIndex('a', 'color'), background: emulatorIndex('.card', 'background') },
  { name: 'index page focus ring', kind: 'non-text', foreground: emulatorIndex('.card:focus-visible', 'outline'), background: emulatorIndex('body', 'background') },
];

describe('contrastRatio', () => {
  it('gives the WCAG reference values', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#fff', '#ffffff')).toBe(1);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('fails the colours this test was written to catch', () => {
    expect(contrastRatio('#1677ff', '#ffffff')).toBeLessThan(4.5);
    expect(contrastRatio('#ff3141', '#ffffff')).toBeLessThan(4.5);
    expect(contrastRatio('#00b578', '#ffffff')).toBeLessThan(4.5);
    expect(contrastRatio('#595959', '#1677ff')).toBeLessThan(4.5);
    expect(contrastRatio('#595959', '#cf1322')).toBeLessThan(4.5);
  });
});

describe('the stylesheet reader', () => {
  it('resolves custom properties and picks the colour out of a shorthand', () => {
    expect(resolveColour(h5('.field input', 'border'))).toMatch(/^#[0-9a-f]{6}$/);
    expect(resolveColour(certify('.cancel', 'border'))).toBe('#8c8c8c');
  });

  it('refuses a selector the sheet does not have, so a renamed rule cannot pass unchecked', () => {
    expect(() => resolveColour(h5('.no-such-rule', 'color'))).toThrow('no color in ".no-such-rule"');
  });
});

describe.each([
  ['the H5 page', H5_PAIRS],
  ['the mini-program', MINI_PAIRS],
  ['the emulator pages', EMULATOR_PAIRS],
])('WCAG AA contrast on %s', (_surface, pairs) => {
  it.each(pairs.map((pair) => [pair.name, pair] as const))('%s', (_name, pair) => {
    const foreground = resolveColour(pair.foreground);
    const background = resolveColour(pair.background);
    const ratio = Math.floor(contrastRatio(foreground, background) * 100) / 100;
    expect({ foreground, background, ratio: ratio >= MINIMUM[pair.kind] ? `at least ${MINIMUM[pair.kind]}` : ratio }).toEqual({
      foreground,
      background,
      ratio: `at least ${MINIMUM[pair.kind]}`,
    });
  });
});

describe('the emulator buttons’ English lines', () => {
  it('take their button’s colour instead of the page’s grey', () => {
    expect(SHEETS['emulator-certify'].get('button .en')?.get('color')).toBe('inherit');
  });
});
