/**
 * A merchant's webhook endpoint for tests: a real HTTP server on 127.0.0.1 that records every
 * request and answers from a script of statuses (200 once the script is used up), and the
 * documented verification recipe (docs: "Webhooks") run against what it received.
 */
import { createServer, IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Statuses to answer with, in order (push to add); 200 after the last. */
  script: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(script: number[] = []): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const statuses = [...script];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = statuses.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/alipay-verify`,
    received,
    script: statuses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The docs' recipe: `new Webhook(secret).verify(rawBody, headers)`, which checks the signature
 * and a 5-minute tolerance on webhook-timestamp. The library reads the receiver's clock from
 * Date.now(); `receiverNow` stands in for it, as the sender's clock is injected too.
 * @returns the parsed body
 * @throws the library's WebhookVerificationError when the signature or the timestamp is wrong
 */
export function verifyAsDocumented(secret: string, webhook: ReceivedWebhook, receiverNow: number): unknown {
  const now = jest.spyOn(Date, 'now').mockReturnValue(receiverNow);
  try {
    return new Webhook(secret).verify(webhook.body, {
      'webhook-id': String(webhook.headers['webhook-id']),
      'webhook-timestamp': String(webhook.headers['webhook-timestamp']),
      'webhook-signature': String(webhook.headers['webhook-signature']),
    });
  } finally {
    now.mockRestore();
  }
}
