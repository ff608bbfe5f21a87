/**
 * ageInBeijing: completed years on today's date in Beijing, from the birth date inside an
 * 18-character number, whatever the host's time zone; undefined when there is no usable date.
 */
import { ageInBeijing, GUARDIAN_CONSENT_AGE } from '../../utils/identity';
import { makeCertNoBornOn, withCheckCharacter } from '../support/identities';

const bornOn = (year: number, month: number, day: number): string => makeCertNoBornOn(new Date(Date.UTC(year, month - 1, day)));

/** 2026-03-02 00:00:00 in Beijing; 2026-03-01 16:00 in UTC. */
const BEIJING_MIDNIGHT = new Date(Date.UTC(2026, 2, 1, 16, 0, 0));

describe('ageInBeijing', () => {
  it('counts the birthday from 00:00 Beijing time, not from the UTC date', () => {
    const holder = bornOn(2012, 3, 2);
    expect(ageInBeijing(holder, new Date(BEIJING_MIDNIGHT.getTime() - 1))).toBe(13);
    expect(ageInBeijing(holder, BEIJING_MIDNIGHT)).toBe(GUARDIAN_CONSENT_AGE);
    expect(ageInBeijing(bornOn(2012, 3, 3), BEIJING_MIDNIGHT)).toBe(13);
  });

  it('is 0 on the day of birth and counts whole years after', () => {
    expect(ageInBeijing(bornOn(2026, 3, 2), BEIJING_MIDNIGHT)).toBe(0);
    expect(ageInBeijing(bornOn(1990, 12, 31), BEIJING_MIDNIGHT)).toBe(35);
    expect(ageInBeijing(bornOn(1990, 1, 1), BEIJING_MIDNIGHT)).toBe(36);
  });

  it('makes someone born on 29 February a year older on 1 March in other years', () => {
    const leapling = bornOn(2012, 2, 29);
    expect(ageInBeijing(leapling, new Date(Date.UTC(2026, 1, 28, 4)))).toBe(13);
    expect(ageInBeijing(leapling, new Date(Date.UTC(2026, 2, 1, 4)))).toBe(14);
  });

  it('reads the same digits on residence permits and the foreigner\'s permanent residence card', () => {
    expect(ageInBeijing(withCheckCharacter('81000020160101001'), BEIJING_MIDNIGHT)).toBe(10);
    expect(ageInBeijing(withCheckCharacter('91100020000615001'), BEIJING_MIDNIGHT)).toBe(25);
  });

  it('is undefined without a usable birth date, so no age rule is applied by guess', () => {
    expect(ageInBeijing('', BEIJING_MIDNIGHT)).toBeUndefined();
    expect(ageInBeijing('11010120120302', BEIJING_MIDNIGHT)).toBeUndefined();
    expect(ageInBeijing(withCheckCharacter('11010120120230001'), BEIJING_MIDNIGHT)).toBeUndefined();
    expect(ageInBeijing(bornOn(2026, 3, 3), BEIJING_MIDNIGHT)).toBeUndefined();
  });
});
