/**
 * Jest's node environment with the process running in Beijing time (TZ=Asia/Shanghai) for the
 * length of one test file, for tests that run the official alipay-sdk: it writes the request
 * `timestamp` in host-local time, and Alipay (like our emulator) reads it as Beijing time.
 *
 * The time zone cannot be set from inside a test file: jest hands each file its own copy of
 * `process.env`, so `process.env.TZ = ...` there never reaches Node. An environment runs
 * outside that sandbox, where Node applies a TZ change at once, to every context. Teardown
 * puts the old value back, because the next file in the same worker shares the process.
 *
 * Use it with a docblock at the top of the test file:
 * `@jest-environment ./server/tests/support/beijing-time-environment.ts`
 *
 * @see https://opendocs.alipay.com/common/02kf5q (timestamp: yyyy-MM-dd HH:mm:ss, GMT+8)
 */
import NodeEnvironment from 'jest-environment-node';

export const BEIJING_TIME_ZONE = 'Asia/Shanghai';

export default class BeijingTimeEnvironment extends NodeEnvironment {
  private readonly previousTimeZone: string | undefined;

  constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
    super(...args);
    this.previousTimeZone = process.env.TZ;
    process.env.TZ = BEIJING_TIME_ZONE;
  }

  override async teardown(): Promise<void> {
    if (this.previousTimeZone === undefined) delete process.env.TZ;
    else process.env.TZ = this.previousTimeZone;
    await super.teardown();
  }
}
