/**
 * Time and chance as injectable dependencies, so tests control expiry, rate-limit windows,
 * retry backoff and fault shares without waiting or flaking.
 */

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** Waits `ms` milliseconds (retry backoff). Tests pass one that returns at once and records. */
export type Sleeper = (ms: number) => Promise<void>;

/** A number in [0, 1): jitter and fault shares. */
export type RandomSource = () => number;

/** The real clock, sleeper and random source, used unless a test injects its own. */
export const systemClock: Clock = () => Date.now();

export const systemSleeper: Sleeper = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

export const systemRandom: RandomSource = () => Math.random();
