/**
 * The webhook events this server sends, by the Standard Webhooks specification: each has a
 * unique id (the `webhook-id` header, kept across retries and replays, so a receiver
 * deduplicates by it) and a JSON body `{type, timestamp, data}`. The body carries the masked
 * ID number only, never a name or a number.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { randomBytes } from 'node:crypto';
import { VerificationStatus } from '../../../utils/api-contract';
import { StatusChangeWithEvent, VerificationRecord, WebhookEventType } from '../store/repository';

/** What a receiver gets as the JSON body of a webhook. */
export interface VerificationEventBody {
  type: WebhookEventType;
  /** When the event happened (ISO 8601, UTC). */
  timestamp: string;
  data: {
    verificationId: string;
    /** The Alipay subject: `uid:<user_id>` or `oid:<open_id>`. */
    userId: string;
    status: Exclude<VerificationStatus, 'PENDING'>;
    certNoMasked: string;
    /** When the status changed (ISO 8601, UTC). */
    updatedAt: string;
  };
}

const EVENT_TYPES: Readonly<Record<Exclude<VerificationStatus, 'PENDING'>, WebhookEventType>> = {
  PASSED: 'verification.passed',
  EXPIRED: 'verification.expired',
  // Only when Alipay returns fail_reason (an extension field) can a check be called failed.
  FAILED: 'verification.failed',
};

/** A new event id: `msg_` and 128 random bits, as Standard Webhooks' examples name them. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('hex')}`;
}

/** The outbox row announcing `record`'s move to `to` at `now`, due for delivery at once. */
export function verificationEvent(
  record: VerificationRecord,
  to: Exclude<VerificationStatus, 'PENDING'>,
  now: number,
): NonNullable<StatusChangeWithEvent['event']> {
  const body: VerificationEventBody = {
    type: EVENT_TYPES[to],
    timestamp: new Date(now).toISOString(),
    data: {
      verificationId: record.id,
      userId: record.userId,
      status: to,
      certNoMasked: record.certNoMasked,
      updatedAt: new Date(now).toISOString(),
    },
  };
  return {
    id: newWebhookId(),
    verificationId: record.id,
    userId: record.userId,
    type: body.type,
    payloadJson: JSON.stringify(body),
    nextAttemptAt: now,
    retryWindowStart: now,
    createdAt: now,
  };
}
