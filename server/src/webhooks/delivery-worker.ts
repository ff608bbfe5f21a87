/**
 * Delivers the webhook outbox: each due event is POSTed to WEBHOOK_URL, signed by the Standard
 * Webhooks scheme with WEBHOOK_SECRET through its reference library (`standardwebhooks`), so a
 * merchant verifies it with code neither of us wrote.
 *
 * At least once: an event is marked delivered only after a 2xx, so a crash after sending and
 * before marking sends it again, with the same `webhook-id` (receivers deduplicate by it). A
 * network error, a timeout or any other status is retried with exponential backoff and jitter
 * until RETRY_WINDOW_MS after the event (or its replay); then it is DEAD, listed by the
 * merchant API and replayable. Events are claimed with a lease, so two processes never send
 * the same event at once.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Webhook } from 'standardwebhooks';
import { Clock, RandomSource } from '../clock';
import { Repository, WebhookEventRecord } from '../store/repository';
import { PassLoop } from '../workers/pass-loop';

/** Retries stop this long after the event was written (or replayed): 3 days, as the spec suggests. */
export const RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

/** How a delivery attempt ended, as the `webhook_deliveries_total{result}` metric counts it. */
export type DeliveryResult = 'delivered' | 'failed' | 'dead';

export interface WebhookTarget {
  /** WEBHOOK_URL */
  url: string;
  /** WEBHOOK_SECRET: `whsec_` and the base64 of the key. */
  secret: string;
}

export interface DeliveryLog {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

export interface WebhookWorkerOptions {
  repository: Repository;
  target: WebhookTarget;
  clock: Clock;
  random: RandomSource;
  log: DeliveryLog;
  /** Counts each attempt by result (operations/metrics.ts `webhookDeliveries`). */
  deliveries?: { inc(labels: { result: DeliveryResult }): void };
  /** Unique per process; default host, pid and a random suffix. */
  owner?: string;
  /** Longer than a delivery can take (timeoutMs). Default 60 s. */
  leaseMs?: number;
  /** Events sent per pass, at the same time. Default 10. */
  batchSize?: number;
  /** How often `start()` runs a pass. Default 1 s. */
  intervalMs?: number;
  /** A receiver that has not answered in this long has failed this attempt. Default 10 s. */
  timeoutMs?: number;
  /** Delay after the first failure; doubles per failure. Default 10 s. */
  backoffBaseMs?: number;
  /** Longest delay between two attempts. Default 6 h. */
  backoffMaxMs?: number;
}

/** What one pass did. */
export type DeliveryPass = Record<DeliveryResult, number>;

/** Sends due outbox events; `start()` runs passes until `stop()`. */
export class WebhookWorker {
  private readonly owner: string;
  private readonly signer: Webhook;
  private readonly loop: PassLoop<DeliveryPass>;

  /** @throws Error when the secret is not `whsec_` and base64 (config.ts checks it first) */
  constructor(private readonly options: WebhookWorkerOptions) {
    this.owner = options.owner ?? `webhooks:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.signer = new Webhook(options.target.secret);
    this.loop = new PassLoop({
      pass: () => this.pass(),
      intervalMs: options.intervalMs,
      onError: (error) => options.log.warn({ err: error }, 'webhook pass failed'),
    });
  }

  /** Runs one pass now (one at a time: a call during a pass gets that pass). */
  runOnce(): Promise<DeliveryPass> {
    return this.loop.runOnce();
  }

  /** Runs a pass at once, then every `intervalMs`. */
  start(): void {
    this.loop.start();
  }

  /** Stops the passes and waits for the one under way. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async pass(): Promise<DeliveryPass> {
    const claimed = await this.options.repository.claimDueWebhookEvents({
      now: this.options.clock(),
      owner: this.owner,
      leaseMs: this.options.leaseMs ?? 60_000,
      limit: this.options.batchSize ?? 10,
    });
    const results = await Promise.all(claimed.map((event) => this.deliver(event)));
    const pass: DeliveryPass = { delivered: 0, failed: 0, dead: 0 };
    for (const result of results) pass[result] += 1;
    return pass;
  }

  private async deliver(event: WebhookEventRecord): Promise<DeliveryResult> {
    const { repository, clock } = this.options;
    const sentAt = clock();
    const error = await this.send(event, sentAt);
    const at = clock();
    let result: DeliveryResult;
    if (error === undefined) {
      await repository.markWebhookDelivered(event.id, this.owner, at);
      result = 'delivered';
    } else {
      const nextAttemptAt = at + this.backoff(event.attempts + 1);
      const dead = nextAttemptAt > event.retryWindowStart + RETRY_WINDOW_MS;
      await repository.markWebhookFailed(event.id, this.owner, { at, error, nextAttemptAt: dead ? null : nextAttemptAt });
      result = dead ? 'dead' : 'failed';
      const line = { webhookId: event.id, type: event.type, attempts: event.attempts + 1, error, nextAttemptAt: dead ? null : nextAttemptAt };
      if (dead) this.options.log.warn(line, 'webhook delivery dead after its retry window; replay it through the merchant API');
      else this.options.log.info(line, 'webhook delivery failed; will retry');
    }
    this.options.deliveries?.inc({ result });
    return result;
  }

  /**
   * POSTs the event, signed for `sentAt`.
   * @returns undefined on a 2xx, else why not: `HTTP <status>`, `timeout` or `network` (never a body)
   */
  private async send(event: WebhookEventRecord, sentAt: number): Promise<string | undefined> {
    const timestamp = new Date(sentAt);
    try {
      const response = await fetch(this.options.target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'alipay-identity-verify-webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(sentAt / 1000)),
          'webhook-signature': this.signer.sign(event.id, timestamp, event.payloadJson),
        },
        body: event.payloadJson,
        // A redirect is an answer too (not a 2xx): following it could send the event somewhere unintended.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300 ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? 'timeout' : 'network';
    }
  }

  /** Exponential from backoffBaseMs, capped, with jitter in [50 %, 100 %) so a recovering receiver is not hit all at once. */
  private backoff(failures: number): number {
    const base = this.options.backoffBaseMs ?? 10_000;
    const ceiling = Math.min(this.options.backoffMaxMs ?? 6 * 60 * 60 * 1000, base * 2 ** (failures - 1));
    return Math.round(ceiling * (0.5 + this.options.random() / 2));
  }
}
