/**
 * Scale-out, end to end (issue 11): three built server processes on one PostgreSQL and one
 * Redis (scripts/services.sh), with the gateway emulator in a process of its own, reached
 * over HTTP as a load balancer would spread a merchant's traffic:
 * - a session created on A works on B and C;
 * - the reconciler running on all three queries each due verification exactly once;
 * - 30 concurrent requests with one Idempotency-Key spread over the three → one paid
 *   initialize and 30 identical answers;
 * - the per-ID limit holds across instances: limit + 1 requests spread over three → one 429;
 * - a verification created on A, its outcome set, polled on B → PASSED;
 * - concurrent polls spread over the three → one query to Alipay;
 * - Redis killed during the run → answers continue under the reduced local limits, no 5xx;
 * - one instance killed with SIGKILL during 20 s of load → every acknowledged 201 is stored,
 *   and every paid call has its write-ahead attempt.
 * Paid calls are counted where Alipay would bill them: the emulator's own record. Redis is a
 * server of this file's own (redis-server, no persistence), so killing it touches no other test.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { makeCertNo, TEST_NAMES } from '../../../tests/support/identities';
import { migratePostgres } from '../../src/store/postgres-repository';
import { bundleEntryPoints, freePort, NodeProcess, startNode } from '../support/node-processes';
import { createTestDatabase, startServices, TestDatabase } from '../support/services';

jest.setTimeout(60_000);

const PER_CERT_NO = 5;
const INSTANCES = 3;

let database: TestDatabase;
let dataDir: string;
let emulator: NodeProcess;
let emulatorUrl: string;
const servers: NodeProcess[] = [];
const bases: string[] = [];
let consentVersion: string;
let redisServer: ChildProcess;

/** A redis-server of this file's own, with no persistence; resolves once it answers PING. */
async function startRedis(port: number): Promise<void> {
  redisServer = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(base: string, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function login(base: string): Promise<string> {
  const session = await call(base, 'POST', '/api/sessions', { body: { authCode: `scale-${randomUUID()}` } });
  expect(session.status).toBe(201);
  return session.body.token as string;
}

function person(seed: number) {
  return { certName: TEST_NAMES[seed % TEST_NAMES.length], certNo: makeCertNo(seed), consentVersion };
}

/** Initialize calls the emulator has answered: what Alipay would bill. */
function paidInitializeCalls(): number {
  const emulatorStore = new Database(join(dataDir, 'emulator.sqlite'), { readonly: true });
  try {
    return (emulatorStore.prepare('select count(*) as n from emulator_certifications').get() as { n: number }).n;
  } finally {
    emulatorStore.close();
  }
}

/** Query calls made to Alipay by all three instances, from their /metrics. */
async function queryCalls(): Promise<number> {
  let total = 0;
  for (const base of bases) {
    const text = await (await fetch(new URL('/metrics', base))).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('alipay_call_duration_seconds_count{') && line.includes('method="alipay.user.certify.open.query"')) {
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
  }
  return total;
}

async function setOutcome(certifyId: string, outcome: 'PASSED' | 'FAILED'): Promise<void> {
  const answer = await call(emulatorUrl, 'POST', `/emulator/certifications/${certifyId}/outcome`, { body: { outcome } });
  expect(answer.status).toBe(200);
}

/** Reads the statuses straight from the shared database. */
async function statuses(ids: readonly string[]): Promise<string[]> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; status: string }>('select id, status from verifications where id = any($1)', [ids]);
    return ids.map((id) => rows.find((row) => row.id === id)?.status ?? 'MISSING');
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  startServices();
  const redisPort = await freePort();
  await startRedis(redisPort);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  database = await createTestDatabase('instances');
  await migratePostgres({ url: database.url });
  const scripts = await bundleEntryPoints();
  dataDir = mkdtempSync(join(tmpdir(), 'scale-instances-'));
  const ports = await Promise.all(Array.from({ length: INSTANCES + 1 }, () => freePort()));
  const emulatorPort = ports[INSTANCES];
  emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  bases.push(...ports.slice(0, INSTANCES).map((port) => `http://127.0.0.1:${port}`));
  emulator = await startNode(
    scripts.emulator,
    { EMULATOR_PORT: String(emulatorPort), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', EMULATOR_REDIRECT_ORIGINS: bases.join(',') },
    `${emulatorUrl}/emulator/gateway.do`,
  );
  // All three share DATA_DIR only for the emulator's keys and the generated ID pepper, as hosts share their secrets.
  const started = await Promise.all(
    ports.slice(0, INSTANCES).map((port) =>
      startNode(
        scripts.server,
        {
          ALIPAY_MODE: 'emulator',
          EMULATOR_URL: emulatorUrl,
          HOST: '127.0.0.1',
          PORT: String(port),
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          DATABASE_URL: database.url,
          REDIS_URL: redisUrl,
          RATE_LIMIT_PER_USER: '1000',
          RATE_LIMIT_PER_CERT_NO: String(PER_CERT_NO),
          RATE_LIMIT_PER_IP_PER_MINUTE: '0',
          RECONCILE_SCHEDULE: '2s',
        },
        `http://127.0.0.1:${port}/healthz`,
      ),
    ),
  );
  servers.push(...started);
  const notice = await call(bases[0], 'GET', '/api/consent-notice?lang=zh-CN');
  consentVersion = notice.body.version as string;
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await emulator?.stop();
  redisServer?.kill('SIGKILL');
  await database?.drop();
});

it('accepts a session created on A on B and C', async () => {
  const token = await login(bases[0]);
  for (const base of bases) {
    // 404 NOT_FOUND (not 401): the token was recognised; the id simply is not the caller's.
    const answer = await call(base, 'GET', `/api/verifications/${randomUUID()}`, { token });
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  }
  expect((await call(bases[1], 'GET', `/api/verifications/${randomUUID()}`, { token: 'not-a-token' })).status).toBe(401);
});

it('has the reconcilers of all three query each due verification exactly once', async () => {
  const before = await queryCalls();
  const ids: string[] = [];
  for (let index = 0; index < 6; index += 1) {
    const token = await login(bases[index % INSTANCES]);
    const created = await call(bases[index % INSTANCES], 'POST', '/api/verifications', { token, body: person(100 + index) });
    expect(created.status).toBe(201);
    ids.push(created.body.verificationId as string);
    await setOutcome(created.body.certifyId as string, 'PASSED');
  }
  // Nobody polls: only the reconcilers (due 2 s after creation, each pass every second) can settle them.
  const deadline = Date.now() + 30_000;
  while ((await statuses(ids)).some((status) => status !== 'PASSED') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await statuses(ids)).toEqual(ids.map(() => 'PASSED'));
  expect((await queryCalls()) - before).toBe(ids.length);
});

it('answers 30 concurrent requests with one Idempotency-Key, spread over three instances, with one paid initialize and 30 identical answers', async () => {
  const token = await login(bases[0]);
  const paidBefore = paidInitializeCalls();
  const key = `scale-${randomUUID()}`;
  const body = person(200);
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, index) => call(bases[index % INSTANCES], 'POST', '/api/verifications', { token, body, headers: { 'idempotency-key': key } })),
  );
  expect(paidInitializeCalls() - paidBefore).toBe(1);
  expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
  expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
});

it('holds the per-ID limit across instances: limit + 1 requests for one number spread over three → exactly one 429', async () => {
  const tokens = await Promise.all(Array.from({ length: PER_CERT_NO + 1 }, (_, index) => login(bases[index % INSTANCES])));
  const paidBefore = paidInitializeCalls();
  const answers = await Promise.all(
    tokens.map((token, index) => call(bases[index % INSTANCES], 'POST', '/api/verifications', { token, body: person(300) })),
  );
  const codes = answers.map((answer) => answer.status).sort();
  expect(codes).toEqual([...Array.from({ length: PER_CERT_NO }, () => 201), 429]);
  expect(paidInitializeCalls() - paidBefore).toBe(PER_CERT_NO);
});

it('settles on B a verification created on A whose person passed', async () => {
  const token = await login(bases[0]);
  const created = await call(bases[0], 'POST', '/api/verifications', { token, body: person(400) });
  expect(created.status).toBe(201);
  await setOutcome(created.body.certifyId as string, 'PASSED');
  const polled = await call(bases[1], 'GET', `/api/verifications/${created.body.verificationId as string}`, { token });
  expect(polled).toMatchObject({ status: 200, body: { status: 'PASSED' } });
  const onC = await call(bases[2], 'GET', `/api/verifications/${created.body.verificationId as string}`, { token });
  expect(onC.body.status).toBe('PASSED');
});

it('shares one query among concurrent polls spread over the three instances (single flight and cache across processes)', async () => {
  const token = await login(bases[0]);
  const created = await call(bases[0], 'POST', '/api/verifications', { token, body: person(450) });
  expect(created.status).toBe(201);
  const before = await queryCalls();
  const polls = await Promise.all(
    Array.from({ length: 12 }, (_, index) => call(bases[index % INSTANCES], 'GET', `/api/verifications/${created.body.verificationId as string}`, { token })),
  );
  expect(polls.map((poll) => poll.body.status)).toEqual(polls.map(() => 'PENDING'));
  expect((await queryCalls()) - before).toBe(1);
});

/** rate_limit_fallback_total summed over the instances still running. */
async function fallbacks(running: readonly string[]): Promise<number> {
  let total = 0;
  for (const base of running) {
    const line = (await (await fetch(new URL('/metrics', base))).text()).split('\n').find((text) => text.startsWith('rate_limit_fallback_total '));
    total += Number(line?.split(' ')[1] ?? 0);
  }
  return total;
}

it('keeps answering with Redis down: creations and polls succeed under the reduced local limits, never a 5xx', async () => {
  const exited = new Promise((resolve) => redisServer.once('exit', resolve));
  redisServer.kill('SIGKILL');
  await exited;
  const answers: Answer[] = [];
  for (let index = 0; index < 6; index += 1) {
    const base = bases[index % INSTANCES];
    const token = await login(base);
    const created = await call(base, 'POST', '/api/verifications', { token, body: person(500 + index) });
    answers.push(created);
    answers.push(await call(bases[(index + 1) % INSTANCES], 'GET', `/api/verifications/${created.body.verificationId as string}`, { token }));
  }
  expect(answers.map((answer) => answer.status)).toEqual(answers.map((_, index) => (index % 2 === 0 ? 201 : 200)));
  // One number, limit 5 / REDIS_DOWN_LIMIT_DIVISOR 4 = 1 per instance: at most one each, never unlimited.
  const tokens = await Promise.all(Array.from({ length: 9 }, (_, index) => login(bases[index % INSTANCES])));
  const sameNumber = await Promise.all(tokens.map((token, index) => call(bases[index % INSTANCES], 'POST', '/api/verifications', { token, body: person(600) })));
  const codes = sameNumber.map((answer) => answer.status);
  expect(codes.filter((code) => code === 201)).toHaveLength(INSTANCES);
  expect(codes.filter((code) => code === 429)).toHaveLength(9 - INSTANCES);
  expect(await fallbacks(bases)).toBeGreaterThanOrEqual(6 + 9);
});

it('loses no acknowledged verification and no paid call when one instance is killed with SIGKILL during 20 s of load', async () => {
  const acknowledged: { id: string; base: string }[] = [];
  let seed = 10_000;
  let stop = false;
  const client = async (index: number): Promise<void> => {
    while (!stop) {
      const base = bases[(index + seed) % INSTANCES];
      seed += 1;
      try {
        const token = await login(base);
        const created = await call(base, 'POST', '/api/verifications', { token, body: person(seed), headers: { 'idempotency-key': randomUUID() } });
        if (created.status === 201) acknowledged.push({ id: created.body.verificationId as string, base });
      } catch {
        // The killed instance refuses connections, or drops one mid-answer: not acknowledged.
      }
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, (_, index) => client(index)));
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const killed = servers[2];
  const exited = new Promise((resolve) => killed.child.once('exit', resolve));
  killed.child.kill('SIGKILL');
  await exited;
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  stop = true;
  await load;

  expect(acknowledged.filter((ack) => ack.base === bases[2]).length).toBeGreaterThan(0);
  expect(await statuses(acknowledged.map((ack) => ack.id))).not.toContain('MISSING');
  const emulatorStore = new Database(join(dataDir, 'emulator.sqlite'), { readonly: true });
  const paid = (emulatorStore.prepare('select outer_order_no from emulator_certifications').all() as { outer_order_no: string }[]).map((row) => row.outer_order_no);
  emulatorStore.close();
  const pg = new Client({ connectionString: database.url });
  await pg.connect();
  const { rows } = await pg.query<{ outer_order_no: string }>('select outer_order_no from initialize_attempts');
  await pg.end();
  const written = new Set(rows.map((row) => row.outer_order_no));
  expect(paid.filter((outerOrderNo) => !written.has(outerOrderNo))).toEqual([]);
  process.stdout.write(
    `multi-instance SIGKILL run: ${acknowledged.length} acknowledged (${acknowledged.filter((ack) => ack.base === bases[2]).length} by the killed instance), all found; ${paid.length} paid calls in all, ${rows.length} attempts, 0 paid without an attempt\n`,
  );
});
