/**
 * The problems a configuration step refuses with: `step` must throw a ConfigError (code
 * ERR_CONFIG), whose list of problems is returned; anything else fails the test.
 */
import { ConfigError } from '../../src/config';

export function configProblemsOf(step: () => unknown): string[] {
  try {
    step();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('ERR_CONFIG');
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
