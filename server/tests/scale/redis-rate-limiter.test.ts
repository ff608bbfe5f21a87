/**
 * The limits shared through Redis (scripts/services.sh starts it): two limiters stand for two
 * processes on one Redis; "count all rules or none" holds across them; and with Redis
 * unreachable every request still gets an answer under the reduced local limits, each counted
 * as a fallback, never unlimited.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { RedisRateLimiter } from '../../src/scale/redis-rate-limiter';
import { startServices } from '../support/services';

const clients: Redis[] = [];

function redisAt(url: string): Redis {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500, lazyConnect: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

async function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

afterAll(() => {
  for (const client of clients) client.disconnect();
});

describe('rate limits shared through Redis', () => {
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  let one: RedisRateLimiter;
  let two: RedisRateLimiter;
  const fallbacks: unknown[] = [];

  beforeAll(async () => {
    const { redisUrl } = startServices();
    const [a, b] = [redisAt(redisUrl), redisAt(redisUrl)];
    await Promise.all([ready(a), ready(b)]);
    one = new RedisRateLimiter({ redis: a, downLimitDivisor: 4, keyPrefix: prefix, onFallback: (error) => fallbacks.push(error) });
    two = new RedisRateLimiter({ redis: b, downLimitDivisor: 4, keyPrefix: prefix, onFallback: (error) => fallbacks.push(error) });
  });

  it('holds one limit across two processes: limit + 1 requests spread over both, exactly one refused', async () => {
    const rule = { key: 'cert:shared', limit: 5, windowMs: 3_600_000 };
    const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? one : two).consume([rule])));
    expect(answers.filter((answer) => answer === undefined)).toHaveLength(5);
    const refused = answers.filter((answer) => answer !== undefined);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeGreaterThan(3500);
    expect(refused[0]).toBeLessThanOrEqual(3600);
    expect(fallbacks).toEqual([]);
  });

  it('counts every rule or none: a request refused by one rule leaves the others as they were', async () => {
    const user = { key: 'user:all-or-none', limit: 2, windowMs: 60_000 };
    const cert = { key: 'cert:all-or-none', limit: 1, windowMs: 60_000 };
    expect(await one.consume([user, cert])).toBeUndefined();
    // Refused by cert: user keeps its count of 1, so one more request on user alone passes...
    expect(await two.consume([user, cert])).toBeGreaterThan(0);
    expect(await two.consume([user])).toBeUndefined();
    // ...and then user is full.
    expect(await one.consume([user])).toBeGreaterThan(0);
    expect(fallbacks).toEqual([]);
  });
});

describe('rate limits while Redis is unreachable', () => {
  it('answers every request under the limits divided by REDIS_DOWN_LIMIT_DIVISOR, and counts each fallback', async () => {
    const fallbacks: unknown[] = [];
    const down = redisAt(`redis://127.0.0.1:${await closedPort()}`);
    const limiter = new RedisRateLimiter({ redis: down, downLimitDivisor: 4, keyPrefix: 'down', onFallback: (error) => fallbacks.push(error) });
    const rules = [
      { key: 'user:down', limit: 10, windowMs: 3_600_000 },
      { key: 'cert:down', limit: 8, windowMs: 3_600_000 },
    ];
    const answers: (number | undefined)[] = [];
    for (let index = 0; index < 6; index += 1) answers.push(await limiter.consume(rules));
    // floor(8 / 4) = 2 allowed by this process alone, then refused: never unlimited.
    expect(answers.slice(0, 2)).toEqual([undefined, undefined]);
    expect(answers.slice(2).every((answer) => typeof answer === 'number' && answer > 0)).toBe(true);
    expect(fallbacks).toHaveLength(6);
  });
});
