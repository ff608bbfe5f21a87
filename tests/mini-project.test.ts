/** mini.project.json: the settings the Alipay IDE and minidev read, and what the upload leaves out. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DONE_PAGE } from '../config/index';

interface MiniProject {
  format: number;
  compileType: string;
  compileOptions: { typescript?: boolean; component2?: boolean };
  uploadExclude: string[];
}

const project = JSON.parse(readFileSync(join(__dirname, '..', 'mini.project.json'), 'utf8')) as MiniProject;

describe('mini.project.json', () => {
  it('is format 2, a mini compile with TypeScript and component2', () => {
    expect(project.format).toBe(2);
    expect(project.compileType).toBe('mini');
    expect(project.compileOptions).toEqual({ typescript: true, component2: true });
  });

  it('leaves every non-mini-program part out of the upload', () => {
    ['server/**', 'h5/**', 'tests/**', 'bench/**', 'scripts/**', 'data/**', 'node_modules/**', '**/*.md', 'package.json', 'package-lock.json', 'tsconfig.json'].forEach(
      (pattern) => expect(project.uploadExclude).toContain(pattern),
    );
  });
});

describe('config/index.ts DONE_PAGE', () => {
  it('is empty, or an absolute path to a page app.json lists (my.reLaunch opens nothing else)', () => {
    const app = JSON.parse(readFileSync(join(__dirname, '..', 'app.json'), 'utf8')) as { pages: string[] };
    expect(DONE_PAGE === '' || (DONE_PAGE.startsWith('/') && app.pages.indexOf(DONE_PAGE.slice(1)) >= 0)).toBe(true);
  });
});
