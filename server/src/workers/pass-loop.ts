/**
 * What the reconciler and the webhook worker share: one pass at a time (a call during a pass
 * gets that pass), run at once and then every `intervalMs` on an unref'd timer, a failed pass
 * logged and the next one tried, and a stop that waits for the pass under way.
 */
export interface PassLoopOptions<T> {
  pass: () => Promise<T>;
  /** Milliseconds between passes. Default 1000. */
  intervalMs?: number;
  /** Logs a pass that threw. */
  onError: (error: unknown) => void;
}

export class PassLoop<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;

  constructor(private readonly options: PassLoopOptions<T>) {}

  /** Runs one pass now, or joins the one under way. */
  runOnce(): Promise<T> {
    this.running ??= this.options.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Runs a pass at once, then every `intervalMs`. */
  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      this.runOnce().catch(this.options.onError);
    };
    this.timer = setInterval(tick, this.options.intervalMs ?? 1000);
    this.timer.unref();
    tick();
  }

  /** Stops the passes and waits for the one under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
