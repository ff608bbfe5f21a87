/**
 * utils/ is shared by the mini-program, the H5 page and the server, so eslint.config.mjs
 * fails any reference to `my`, `window` or `document` there. These tests run ESLint's API on
 * snippets linted as if they were files under utils/ (and elsewhere, to prove the rule's scope).
 *
 * ESLint loads its flat config with a dynamic import(), which jest's module sandbox does not
 * run, so the API runs in a child Node process, as `npm run lint` would.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface LintMessage {
  ruleId: string | null;
  line: number;
  message: string;
}

const LINT_SCRIPT = `
const { ESLint } = require('eslint');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const { code, filePath } = JSON.parse(input);
  const [result] = await new ESLint({ cwd: process.cwd() }).lintText(code, { filePath });
  process.stdout.write(JSON.stringify(result.messages.map((m) => ({ ruleId: m.ruleId, line: m.line, message: m.message }))));
});
`;

/** Lints `code` with the repository's config as if it were the file at `filePath`. */
function lintAs(filePath: string, code: string): LintMessage[] {
  const run = spawnSync(process.execPath, ['-e', LINT_SCRIPT], { cwd: ROOT, input: JSON.stringify({ code, filePath }), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ESLint did not run: ${run.stderr}`);
  return JSON.parse(run.stdout) as LintMessage[];
}

const ESLINT_TIMEOUT_MS = 60000;

describe('lint: utils/ stays platform-free', () => {
  it(
    'fails a deliberate my.* call in a utils file',
    () => {
      const messages = lintAs('utils/deliberate-platform-call.ts', "export const saved = my.getStorageSync({ key: 'id' });\n");
      expect(messages).toEqual([expect.objectContaining({ ruleId: 'no-restricted-globals', line: 1, message: expect.stringContaining("'my'") })]);
    },
    ESLINT_TIMEOUT_MS,
  );

  it(
    'fails window and document in a utils file, one error each',
    () => {
      const messages = lintAs('utils/deliberate-browser-call.ts', 'export const here = window.location.href;\nexport const title = document.title;\n');
      expect(messages.map((message) => [message.ruleId, message.line])).toEqual([
        ['no-restricted-globals', 1],
        ['no-restricted-globals', 2],
      ]);
    },
    ESLINT_TIMEOUT_MS,
  );

  it(
    'lets the same my.* call pass in platform/, where the wrappers live',
    () => {
      expect(lintAs('platform/deliberate-platform-call.ts', "export const saved = my.getStorageSync({ key: 'id' });\n")).toEqual([]);
    },
    ESLINT_TIMEOUT_MS,
  );
});
