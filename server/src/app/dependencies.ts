/**
 * The app's time, chance and metrics as decorators (`app.clock`, `app.sleep`, `app.random`,
 * `app.metrics`), so every later piece (services, the emulator, background workers) reads the
 * same ones and a test swaps them in one place.
 */
import fp from 'fastify-plugin';
import { Clock, RandomSource, Sleeper, systemClock, systemRandom, systemSleeper } from '../clock';
import { createMetrics } from '../operations/metrics';

declare module 'fastify' {
  interface FastifyInstance {
    /** Milliseconds since the epoch; tests move it by hand. */
    clock: Clock;
    /** Waits out retry backoff; tests record instead of waiting. */
    sleep: Sleeper;
    /** Jitter and fault shares. */
    random: RandomSource;
  }
}

export interface DependencyOptions {
  clock?: Clock;
  sleep?: Sleeper;
  random?: RandomSource;
}

/** Decorates the root instance with the clock, sleeper, random source and a fresh metrics registry. */
export const dependencies = fp<DependencyOptions>(
  async (app, options) => {
    app.decorate('clock', options.clock ?? systemClock);
    app.decorate('sleep', options.sleep ?? systemSleeper);
    app.decorate('random', options.random ?? systemRandom);
    app.decorate('metrics', createMetrics());
  },
  { name: 'dependencies' },
);
