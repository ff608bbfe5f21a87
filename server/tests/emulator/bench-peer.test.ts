/**
 * The bench's peer (bench/peer/server.mjs: Express + the official alipay-sdk + a durable SQLite
 * insert) against our emulator over real HTTP, as `npm run bench` runs it: a session from an
 * auth code, then POST /api/verifications answers 201 with a certify URL the emulator accepts
 * and a stored row. If the emulator drifts from what the SDK does, the bench's comparison would
 * quietly measure failures; this fails first.
 *
 * @see https://github.com/alipay/alipay-sdk-nodejs-all (exec with validateSign, pageExecute)
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeCertNo, TEST_NAMES } from '../../../tests/support/identities';
import { RunningEmulator, startEmulator, TestClock, testKeys } from '../support/harness';

const PEER_SCRIPT = join(__dirname, '..', '..', '..', 'bench', 'peer', 'server.mjs');

interface RunningPeer {
  child: ChildProcess;
  url: string;
  dataDir: string;
}

async function findFreePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Starts the peer on the emulator's keys in a fresh DATA_DIR; resolves once it says it listens. */
async function startPeer(emulatorUrl: string, storage: 'sqlite' | 'none'): Promise<RunningPeer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-peer-'));
  writeFileSync(join(dataDir, 'emulator-keys.json'), JSON.stringify(testKeys()));
  const port = await findFreePort();
  const child = spawn(process.execPath, [PEER_SCRIPT], {
    env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir, EMULATOR_URL: emulatorUrl, PEER_STORAGE: storage, TZ: 'Asia/Shanghai' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('peer listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the peer exited with code ${code}: ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, dataDir };
}

async function stopPeer(peer: RunningPeer): Promise<void> {
  if (peer.child.exitCode === null) {
    peer.child.kill('SIGTERM');
    await once(peer.child, 'exit');
  }
  rmSync(peer.dataDir, { recursive: true, force: true });
}

async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function openSession(peer: RunningPeer, authCode: string): Promise<string> {
  const session = await postJson(`${peer.url}/api/sessions`, { authCode });
  expect(session).toMatchObject({ status: 201, body: { token: expect.any(String) } });
  return session.body.token as string;
}

const person = { certName: TEST_NAMES[3], certNo: makeCertNo(911) };

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator(new TestClock(Date.now()));
});
afterAll(async () => {
  await emulator.app.close();
});

describe('the peer with storage', () => {
  let peer: RunningPeer;
  beforeAll(async () => {
    peer = await startPeer(emulator.url, 'sqlite');
  });
  afterAll(async () => {
    await stopPeer(peer);
  });

  it('answers 201 with a certify URL the emulator opens, and stores the verification durably', async () => {
    const token = await openSession(peer, 'bench-peer-test-1');
    const created = await postJson(`${peer.url}/api/verifications`, { ...person, consentVersion: 'ignored' }, token);
    expect(created).toEqual({
      status: 201,
      body: { verificationId: expect.any(String), certifyId: expect.stringMatching(/^[0-9a-f]{32}$/), url: expect.stringContaining(`${emulator.url}/emulator/gateway.do?`) },
    });
    const page = await fetch(created.body.url as string);
    expect(page.status).toBe(200);
    await page.text();

    const db = new Database(join(peer.dataDir, 'peer.sqlite'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT id, certify_id AS certifyId FROM verifications').all()).toEqual([
        { id: created.body.verificationId, certifyId: created.body.certifyId },
      ]);
    } finally {
      db.close();
    }
  });

  it('refuses a request without a known session with 401 UNAUTHORIZED', async () => {
    const refused = await postJson(`${peer.url}/api/verifications`, person, 'not-a-session-token');
    expect(refused).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
  });
});

describe('the peer without storage', () => {
  let peer: RunningPeer;
  beforeAll(async () => {
    peer = await startPeer(emulator.url, 'none');
  });
  afterAll(async () => {
    await stopPeer(peer);
  });

  it('answers 201 the same way and stores no verification', async () => {
    const token = await openSession(peer, 'bench-peer-test-2');
    const created = await postJson(`${peer.url}/api/verifications`, person, token);
    expect(created.status).toBe(201);
    const db = new Database(join(peer.dataDir, 'peer.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS rows FROM verifications').get()).toEqual({ rows: 0 });
    } finally {
      db.close();
    }
  });
});
