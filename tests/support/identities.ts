/**
 * Test identities: generated, checksum-valid ID numbers and made-up names, never a
 * real person's. Every test in every project (mini, server, h5) takes fixtures from here.
 */
import fc from 'fast-check';
import { computeCheckCharacter } from '../../utils/identity';

/** Region codes of real prefectures, so generated numbers pass the region check. */
const RESIDENT_REGION_CODES = ['110101', '120103', '310104', '330106', '440305', '510107', '650102', '460105'];

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Completes 17 digits with their GB 11643 check character. */
export function withCheckCharacter(first17: string): string {
  return first17 + computeCheckCharacter(first17);
}

/**
 * A deterministic, checksum-valid resident ID number for fixture `seed`.
 * Different seeds give different numbers (for seeds below 7,000,000).
 */
export function makeCertNo(seed: number): string {
  const region = RESIDENT_REGION_CODES[seed % RESIDENT_REGION_CODES.length];
  const dayIndex = Math.floor(seed / RESIDENT_REGION_CODES.length) % 7000;
  const birth = new Date(Date.UTC(1960, 0, 1) + dayIndex * 86_400_000);
  const sequence = Math.floor(seed / (RESIDENT_REGION_CODES.length * 7000)) % 1000;
  const stamp = `${birth.getUTCFullYear()}${pad(birth.getUTCMonth() + 1, 2)}${pad(birth.getUTCDate(), 2)}`;
  return withCheckCharacter(`${region}${stamp}${pad(sequence, 3)}`);
}

/**
 * A checksum-valid resident ID number whose holder was born on `birth` (a UTC calendar date:
 * only its year, month and day are used), for age rules. Different seeds give different numbers.
 */
export function makeCertNoBornOn(birth: Date, seed = 0): string {
  const region = RESIDENT_REGION_CODES[seed % RESIDENT_REGION_CODES.length];
  const sequence = Math.floor(seed / RESIDENT_REGION_CODES.length) % 1000;
  const stamp = `${birth.getUTCFullYear()}${pad(birth.getUTCMonth() + 1, 2)}${pad(birth.getUTCDate(), 2)}`;
  return withCheckCharacter(`${region}${stamp}${pad(sequence, 3)}`);
}

/** A checksum-valid number that ends in X, for the uppercase-x paths. */
export function makeCertNoEndingInX(): string {
  for (let seed = 0; ; seed += 1) {
    const candidate = makeCertNo(seed);
    if (candidate.endsWith('X')) return candidate;
  }
}

/** Made-up two- and three-character names, plus one minority-style name with a middle dot. */
export const TEST_NAMES = ['测试甲', '样例乙', '演示丙', '张测试', '阿依·测试'] as const;

/** fast-check: any valid 18-character number of any supported certificate type. */
export function validCertNoArbitrary(): fc.Arbitrary<string> {
  const date = fc.date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2020, 11, 31)), noInvalidDate: true });
  const sequence = fc.integer({ min: 0, max: 999 }).map((n) => pad(n, 3));
  const resident = fc.tuple(fc.constantFrom(...RESIDENT_REGION_CODES), date, sequence);
  const permit = fc.tuple(fc.constantFrom('810000', '820000', '830000'), date, sequence);
  const foreigner = fc.tuple(
    fc.tuple(fc.constantFrom('11', '31', '44'), fc.integer({ min: 0, max: 999 })).map(([province, country]) => `9${province}${pad(country, 3)}`),
    date,
    sequence,
  );
  return fc.oneof(resident, permit, foreigner).map(([prefix, birth, seq]) => {
    const stamp = `${birth.getUTCFullYear()}${pad(birth.getUTCMonth() + 1, 2)}${pad(birth.getUTCDate(), 2)}`;
    return withCheckCharacter(`${prefix}${stamp}${seq}`);
  });
}
