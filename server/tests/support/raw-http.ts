/**
 * HTTP at the byte level, over a plain TCP socket on 127.0.0.1, for what fetch cannot send:
 * malformed request lines, oversized headers, a body dribbled a byte at a time, pipelined
 * requests and idle keep-alive connections.
 */
import { connect, Socket } from 'node:net';

export interface RawResponse {
  statusCode: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

/** One client connection: what it writes is up to the test; answers are parsed as they arrive. */
export class RawConnection {
  private received = Buffer.alloc(0);
  private readonly parsed: RawResponse[] = [];
  private waiting: (() => void) | undefined;
  /** Resolves once the server (or the test) has closed the connection. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.parseAvailable();
      this.wake();
    });
    // A reset after the server's answer is how some refusals end; the answer is what counts.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.wake();
      resolve();
    }));
  }

  /** Connects to 127.0.0.1:`port`. */
  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string): void {
    this.socket.write(data);
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  /** The `index`-th answer on this connection (0-based), once it has fully arrived. */
  async response(index = 0): Promise<RawResponse> {
    while (this.parsed.length <= index) {
      if (this.socket.destroyed) throw new Error(`the connection closed after ${this.parsed.length} answer(s): ${this.received.toString('latin1')}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    return this.parsed[index];
  }

  /** Every answer, once the connection has closed. */
  async allResponses(): Promise<RawResponse[]> {
    await this.closed;
    return [...this.parsed];
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  private parseAvailable(): void {
    for (;;) {
      const headerEnd = this.received.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const [statusLine, ...headerLines] = this.received.subarray(0, headerEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      const bodyStart = headerEnd + 4;
      if (this.received.length < bodyStart + length) return;
      this.parsed.push({
        statusCode: Number(statusLine.split(' ')[1]),
        headers,
        body: this.received.subarray(bodyStart, bodyStart + length).toString('utf8'),
      });
      this.received = this.received.subarray(bodyStart + length);
    }
  }
}

/** Sends `data` on a new connection, returns its first answer and closes the connection. */
export async function sendRaw(port: number, data: string): Promise<RawResponse> {
  const connection = await RawConnection.open(port);
  connection.write(data);
  try {
    return await connection.response(0);
  } finally {
    connection.close();
  }
}

/** Rejects with `what` when `promise` has not settled within `ms`: a failing test ends with a reason instead of jest's timeout. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
