// The peer of issue 13: POST /api/verifications as a merchant would write it without this
// project, on Express and the official alipay-sdk, each used the way their READMEs show.
// `npm run bench` runs it against the same emulator process as our server, under the same
// load, and reports our throughput and CPU per flow as ratios to it.
//
// It is written the way a user would write it, on purpose, so that the ratios say what this
// project saves over the obvious code and nothing else:
// - the SDK is given the keys as PEM text and keeps them as it formats them (no parsed
//   KeyObjects slipped into its config), `exec` runs with `validateSign: true` as the SDK's
//   docs ask, and the certify URL comes from `pageExecute(..., 'GET', ...)`;
// - better-sqlite3 with WAL and synchronous=FULL, one implicit transaction (one COMMIT) per
//   inserted verification, statements prepared once at start as its docs show;
// - the bearer token is looked up by its SHA-256 in SQLite on every request, as our server
//   looks its sessions up, and POST /api/sessions exchanges an auth code with oauth.token
//   (through the SDK too) so the bench creates the peer's sessions the way it creates ours.
// It does none of our server's work beyond that (no ID number check, no idempotency, no
// write-ahead attempt, no rate limits, no logs): the comparison flatters the peer.
//
// Environment: PORT, HOST (default 127.0.0.1), DATA_DIR (the emulator's; the keys are read
// from DATA_DIR/emulator-keys.json as our server reads them in emulator mode, and the peer's
// database is DATA_DIR/peer.sqlite), EMULATOR_URL, PEER_STORAGE (`sqlite`, the default: the
// durable insert; `none`: no insert, the "without storage" row), PEER_RETURN_URL.
// The SDK writes its request timestamps in the host's local time and the gateway reads them
// as Beijing time, so the peer runs with TZ=Asia/Shanghai, as it would on a server in China.
//
// @see https://github.com/alipay/alipay-sdk-nodejs-all (exec with validateSign, pageExecute)
// @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
// @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
// @see https://opendocs.alipay.com/apis/api_9/alipay.system.oauth.token
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import Database from 'better-sqlite3';
import express from 'express';

const { PORT, HOST = '127.0.0.1', DATA_DIR, EMULATOR_URL, PEER_STORAGE = 'sqlite' } = process.env;
if (!PORT || !DATA_DIR || !EMULATOR_URL || (PEER_STORAGE !== 'sqlite' && PEER_STORAGE !== 'none')) {
  throw new TypeError('the peer needs PORT, DATA_DIR and EMULATOR_URL, and PEER_STORAGE sqlite or none');
}
const returnUrl = process.env.PEER_RETURN_URL || 'http://127.0.0.1:3000/h5/';
const SESSION_TTL_MS = 2 * 60 * 60 * 1000;

const keys = JSON.parse(readFileSync(join(DATA_DIR, 'emulator-keys.json'), 'utf8'));
const sdk = new AlipaySdk({
  appId: keys.appId,
  privateKey: keys.appPrivateKey,
  keyType: 'PKCS8',
  alipayPublicKey: keys.alipayPublicKey,
  gateway: `${EMULATOR_URL}/emulator/gateway.do`,
});

const db = new Database(join(DATA_DIR, 'peer.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS verifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    outer_order_no TEXT NOT NULL UNIQUE,
    certify_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
`);
const insertSession = db.prepare('INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)');
const findSession = db.prepare('SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?');
const insertVerification = db.prepare('INSERT INTO verifications (id, user_id, outer_order_no, certify_id, created_at) VALUES (?, ?, ?, ?, ?)');

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** The session's user for an `Authorization: Bearer <token>` header, or undefined. */
function authenticate(authorization) {
  const match = /^Bearer (\S+)$/.exec(authorization ?? '');
  return match ? findSession.get(sha256(match[1]), Date.now())?.user_id : undefined;
}

const app = express();
app.use(express.json());

// What a client reads before it starts; the bench opens its sockets with this cheap GET.
app.get('/api/client-config', (req, res) => {
  res.json({ appId: keys.appId });
});

app.post('/api/sessions', async (req, res) => {
  const code = req.body?.authCode;
  if (typeof code !== 'string' || code === '') return res.status(400).json({ error: { code: 'INVALID_REQUEST' } });
  const result = await sdk.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, { validateSign: true });
  const userId = result.userId ?? result.openId;
  if (!userId) return res.status(400).json({ error: { code: 'AUTH_CODE_INVALID' } });
  const token = randomBytes(32).toString('base64url');
  const expiresAt = Date.now() + SESSION_TTL_MS;
  insertSession.run(sha256(token), userId, expiresAt);
  return res.status(201).json({ token, expiresAt: new Date(expiresAt).toISOString() });
});

app.post('/api/verifications', async (req, res) => {
  const userId = authenticate(req.get('authorization'));
  if (!userId) return res.status(401).json({ error: { code: 'UNAUTHORIZED' } });
  const { certName, certNo } = req.body ?? {};
  if (typeof certName !== 'string' || typeof certNo !== 'string') return res.status(400).json({ error: { code: 'INVALID_REQUEST' } });
  const outerOrderNo = randomUUID().replaceAll('-', '');
  const result = await sdk.exec(
    'alipay.user.certify.open.initialize',
    {
      bizContent: {
        outerOrderNo,
        bizCode: 'FACE',
        identityParam: { identityType: 'CERT_INFO', certType: 'IDENTITY_CARD', certName, certNo },
        merchantConfig: { returnUrl },
      },
    },
    { validateSign: true },
  );
  if (result.code !== '10000' || !result.certifyId) return res.status(502).json({ error: { code: 'ALIPAY_REJECTED', subCode: result.subCode } });
  const verificationId = randomUUID();
  if (PEER_STORAGE === 'sqlite') insertVerification.run(verificationId, userId, outerOrderNo, result.certifyId, Date.now());
  const url = sdk.pageExecute('alipay.user.certify.open.certify', 'GET', { bizContent: { certifyId: result.certifyId } });
  return res.status(201).json({ verificationId, certifyId: result.certifyId, url });
});

// Express 5 passes a rejected handler's error here; the answer carries no detail of it.
app.use((error, req, res, next) => {
  if (res.headersSent) return next(error);
  return res.status(500).json({ error: { code: 'INTERNAL' } });
});

const server = app.listen(Number(PORT), HOST, () => process.stdout.write(`peer listening on http://${HOST}:${PORT}\n`));
const shutdown = () => server.close(() => {
  db.close();
  process.exit(0);
});
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
