/**
 * setTimeout and clearTimeout, typed. The mini-program runtime has both, but
 * @mini-types/alipay declares them only for workers, so pages and utils name them here.
 */

/** An opaque timer handle. */
export type TimerHandle = number;

declare function setTimeout(handler: () => void, delayMs: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle): void;

/** Runs `handler` once after `delayMs` milliseconds. */
export function startTimer(handler: () => void, delayMs: number): TimerHandle {
  return setTimeout(handler, delayMs);
}

/** Cancels a timer; a handle that already fired is ignored. */
export function stopTimer(handle: TimerHandle): void {
  clearTimeout(handle);
}
