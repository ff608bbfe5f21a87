/**
 * Fault knobs of the emulated gateway, for tests and demos: added latency and shares of
 * 20000 answers, timeouts, bad signatures and unsigned answers. Set from env at start and
 * changed at runtime with `POST /emulator/faults`.
 */
import { RandomSource } from '../clock';

export interface FaultSettings {
  /** Added before every gateway answer, in milliseconds. */
  latencyMs: number;
  /** Share (0..1) of calls answered 20000 isp.unknow-error. */
  unavailableShare: number;
  /** Share of calls never answered (the client's timeout fires). */
  timeoutShare: number;
  /** Share of answers whose signature does not verify. */
  badSignatureShare: number;
  /** Share of answers with no `sign` at all. */
  unsignedShare: number;
  /** Gateway methods the shares apply to; empty means all. */
  methods: string[];
  /** Faulted calls left before the shares reset to 0; null means no limit. */
  remaining: number | null;
}

export type Fault = 'unavailable' | 'timeout' | 'bad-signature' | 'unsigned';

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  unavailableShare: 0,
  timeoutShare: 0,
  badSignatureShare: 0,
  unsignedShare: 0,
  methods: [],
  remaining: null,
};

type Env = Readonly<Record<string, string | undefined>>;

function readShare(env: Env, name: string): number {
  const value = Number(env[name] ?? 0);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`${name} must be a number from 0 to 1`);
  return value;
}

/** Fault settings from EMULATOR_* variables (docs/emulator.md). */
export function parseFaultEnv(env: Env): FaultSettings {
  const latencyMs = Number(env.EMULATOR_LATENCY_MS ?? 0);
  if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error('EMULATOR_LATENCY_MS must be an integer >= 0');
  return {
    ...NO_FAULTS,
    latencyMs,
    unavailableShare: readShare(env, 'EMULATOR_UNAVAILABLE_SHARE'),
    timeoutShare: readShare(env, 'EMULATOR_TIMEOUT_SHARE'),
    badSignatureShare: readShare(env, 'EMULATOR_BAD_SIGNATURE_SHARE'),
    unsignedShare: readShare(env, 'EMULATOR_UNSIGNED_SHARE'),
  };
}

/** Holds the current settings and draws the fault, if any, for each gateway call. */
export class FaultInjector {
  private settings: FaultSettings;

  constructor(
    initial: FaultSettings,
    private readonly random: RandomSource,
  ) {
    this.settings = { ...initial };
  }

  current(): FaultSettings {
    return { ...this.settings, methods: [...this.settings.methods] };
  }

  /** Replaces the given fields; omitted ones keep their value. */
  update(change: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...change };
    return this.current();
  }

  /** The fault for one call to `method`, drawn by the shares in a fixed order. */
  draw(method: string): Fault | undefined {
    const settings = this.settings;
    if (settings.methods.length > 0 && settings.methods.indexOf(method) < 0) return undefined;
    if (settings.remaining !== null && settings.remaining <= 0) return undefined;
    const roll = this.random();
    let threshold = 0;
    const ordered: Array<[Fault, number]> = [
      ['unavailable', settings.unavailableShare],
      ['timeout', settings.timeoutShare],
      ['bad-signature', settings.badSignatureShare],
      ['unsigned', settings.unsignedShare],
    ];
    for (const [fault, share] of ordered) {
      threshold += share;
      if (share > 0 && roll < threshold) {
        if (settings.remaining !== null) {
          settings.remaining -= 1;
          if (settings.remaining === 0) this.settings = { ...NO_FAULTS, latencyMs: settings.latencyMs };
        }
        return fault;
      }
    }
    return undefined;
  }
}
