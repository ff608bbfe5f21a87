/**
 * Log lines on the bounded asynchronous destination (app/log-destination.ts): the server as
 * `npm start` runs it writes every line it logged before it exits, on SIGTERM and after an
 * uncaught error, and a destination whose stdout takes nothing keeps its memory bounded, counts
 * what it drops, and writes the rest in order once stdout reads again.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { build } from 'esbuild';
import { freePort, NODE_BUNDLE_OPTIONS } from '../support/node-processes';

const SERVER_ROOT = join(__dirname, '..', '..');
const REPO_ROOT = join(SERVER_ROOT, '..');
const NODE_PATH = [join(SERVER_ROOT, 'node_modules'), join(REPO_ROOT, 'node_modules')].join(':');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'verify-logs-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Bundles `entry` (a path, or TypeScript source resolved from server/src/app) like scripts/build.mjs does. */
async function bundle(name: string, entry: { path: string } | { source: string }): Promise<string> {
  const outfile = join(scratch, `${name}.js`);
  await build({
    ...('path' in entry ? { entryPoints: [entry.path] } : { stdin: { contents: entry.source, resolveDir: join(SERVER_ROOT, 'src', 'app'), loader: 'ts' } }),
    outfile,
    ...NODE_BUNDLE_OPTIONS,
  });
  return outfile;
}

/** Everything a stream has given so far, and a wait for a piece of text in it. */
function collect(stream: Readable): { text(): string; waitFor(needle: string): Promise<void> } {
  let text = '';
  const waiters: Array<{ needle: string; resolve(): void }> = [];
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const waiter of waiters.filter((candidate) => text.includes(candidate.needle))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return {
    text: () => text,
    waitFor: (needle) =>
      text.includes(needle) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ needle, resolve })),
  };
}

/** The JSON lines of pino's output (the start banner is plain text). */
function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Each test bundles and starts a process; a built server takes seconds to start on a busy 2-core machine. */
const PROCESS_TEST_TIMEOUT_MS = 30_000;

/** Children a failed test may leave running; each test's own stop is the normal way out. */
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('the server process (server.ts) on the bounded asynchronous destination', () => {
  let entry: string;
  let crashOnInput: string;

  beforeAll(async () => {
    entry = await bundle('server', { path: join(SERVER_ROOT, 'src', 'server.ts') });
    // Preloaded with -r: an error nobody catches, thrown when the test writes to the process's stdin.
    crashOnInput = join(scratch, 'crash-on-input.js');
    writeFileSync(crashOnInput, "process.stdin.once('data', () => { throw new Error('crash asked for by the test'); });\n");
  });

  /** Starts the server as `npm start` does (LOG_LEVEL info), on a free port; resolves once it serves. */
  async function startServer(name: string, nodeArgs: string[] = []): Promise<{ child: ChildProcess; baseUrl: string; stdout: ReturnType<typeof collect>; stderr: ReturnType<typeof collect> }> {
    const port = await freePort();
    const child = spawn(process.execPath, [...nodeArgs, entry], {
      env: { PATH: process.env.PATH ?? '', NODE_PATH, PORT: String(port), DATA_DIR: join(scratch, name), LOG_LEVEL: 'info' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    const stdout = collect(child.stdout as Readable);
    const stderr = collect(child.stderr as Readable);
    await Promise.race([
      stdout.waitFor('Mode: '),
      once(child, 'exit').then(() => {
        throw new Error(`the server exited before it served:\n${stdout.text()}${stderr.text()}`);
      }),
    ]);
    return { child, baseUrl: `http://127.0.0.1:${port}`, stdout, stderr };
  }

  /** `count` requests one after another, each answered before the next. */
  async function request(baseUrl: string, count: number): Promise<void> {
    for (let index = 0; index < count; index += 1) {
      const response = await fetch(`${baseUrl}/healthz`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  }

  it('writes every request line it logged before SIGTERM, then exits 0', async () => {
    const server = await startServer('sigterm');
    // Fewer bytes than the buffer's bound but more than one write's minimum: some lines are
    // written while the server runs, the last ones wait in the buffer until the close.
    await request(server.baseUrl, 60);
    const closed = once(server.child, 'close');
    server.child.kill('SIGTERM');
    const [code] = await closed;

    const lines = logLines(server.stdout.text());
    expect(lines.filter((line) => line.msg === 'request' && line.route === '/healthz')).toHaveLength(60);
    expect(lines.at(-1)).toMatchObject({ msg: 'shutting down', reason: 'SIGTERM' });
    expect(server.stderr.text()).toBe('');
    expect(code).toBe(0);
  }, PROCESS_TEST_TIMEOUT_MS);

  it('writes the uncaught error\'s line, and every line before it, then exits 1', async () => {
    const server = await startServer('crash', ['-r', crashOnInput]);
    await request(server.baseUrl, 25);
    const closed = once(server.child, 'close');
    server.child.stdin?.write('crash\n');
    const [code] = await closed;

    const lines = logLines(server.stdout.text());
    expect(lines.filter((line) => line.msg === 'request')).toHaveLength(25);
    const fatal = lines.find((line) => line.msg === 'uncaught error; shutting down');
    expect(fatal).toMatchObject({ level: 50, err: { message: 'crash asked for by the test' } });
    expect(lines.at(-1)).toMatchObject({ msg: 'shutting down', reason: 'uncaught error' });
    expect(code).toBe(1);
  }, PROCESS_TEST_TIMEOUT_MS);
});

describe('openLogDestination on a quiet server', () => {
  it('writes a lone line without waiting for more lines or a flush', async () => {
    // One line is less than minBytes: the periodic flush writes it while the process lives on.
    const quiet = await bundle('quiet', {
      source: `
        import { openLogDestination } from './log-destination';
        const destination = openLogDestination({ fd: 1 });
        destination.stream.write('{"msg":"a lone line"}\\n');
        process.once('message', () => process.disconnect?.());
      `,
    });
    const child = spawn(process.execPath, [quiet], { env: { PATH: process.env.PATH ?? '', NODE_PATH }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    children.push(child);
    const stdout = collect(child.stdout as Readable);
    await stdout.waitFor('{"msg":"a lone line"}\n');
    expect(child.exitCode).toBeNull();
    const closed = once(child, 'close');
    child.send('exit now');
    const [code] = await closed;
    expect(code).toBe(0);
    expect(stdout.text()).toBe('{"msg":"a lone line"}\n');
  }, PROCESS_TEST_TIMEOUT_MS);
});

describe('openLogDestination with a stdout that takes nothing', () => {
  const TOTAL_LINES = 100_000;
  const MAX_BYTES = 16 * 1024;

  it('keeps at most maxBytes, counts every line it drops, and writes the others in order once stdout reads', async () => {
    // A child process logs to its stdout, a socket this test does not read until the child
    // has written every line: the socket's buffers fill, then the destination's, then lines drop.
    const flood = await bundle(
      'flood',
      {
        source: `
          import { openLogDestination } from './log-destination';
          const destination = openLogDestination({ fd: 1, maxBytes: ${MAX_BYTES} });
          const padding = 'x'.repeat(180);
          const gc = (globalThis as unknown as { gc(): void }).gc;
          async function main(): Promise<void> {
            gc();
            const heapBefore = process.memoryUsage().heapUsed;
            for (let index = 0; index < ${TOTAL_LINES}; index += 1) {
              destination.stream.write(\`{"line":\${index},"padding":"\${padding}"}\\n\`);
              // Turns of the event loop, as a server gives them, so the thread pool's writes complete.
              if (index % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
            }
            gc();
            process.send?.({ dropped: destination.droppedLines(), heapGrowth: process.memoryUsage().heapUsed - heapBefore });
            await new Promise((resolve) => process.once('message', resolve));
            await destination.flush();
            process.disconnect?.();
          }
          void main();
        `,
      },
    );
    const child = spawn(process.execPath, ['--expose-gc', flood], {
      env: { PATH: process.env.PATH ?? '', NODE_PATH },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    children.push(child);
    const [report] = (await once(child, 'message')) as [{ dropped: number; heapGrowth: number }];
    // 100 000 lines of about 200 bytes, 20 MB, went by; what the destination holds stays within its bound.
    expect(report.heapGrowth).toBeLessThan(4 * 1024 * 1024);
    expect(report.dropped).toBeGreaterThan(TOTAL_LINES / 2);

    const stdout = collect(child.stdout as Readable);
    const closed = once(child, 'close');
    child.send('read now');
    const [code] = await closed;
    expect(code).toBe(0);

    const written = stdout.text().split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { line: number }).line);
    // Every line is either on stdout, whole, or counted as dropped; the written ones keep their order.
    expect(written.length + report.dropped).toBe(TOTAL_LINES);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(new Set(written).size).toBe(written.length);
  }, PROCESS_TEST_TIMEOUT_MS);
});
