/**
 * The one thing this mini-program stores on the device: the id of a verification that
 * was opened and has no final answer yet, so the next launch can resume it (issue item 8).
 * Never a name, an ID number, a certifyId or a URL.
 *
 * @see https://opendocs.alipay.com/mini/api/cog0du (my.setStorageSync)
 * @see https://opendocs.alipay.com/mini/api/ox0wna (my.getStorageSync)
 * @see https://opendocs.alipay.com/mini/api/ytfrk4 (my.removeStorageSync)
 */

export const PENDING_VERIFICATION_KEY = 'pendingVerificationId';

/** Remembers the verification being opened. Storage failures are swallowed: resuming is a convenience. */
export function savePendingVerificationId(verificationId: string): void {
  try {
    my.setStorageSync({ key: PENDING_VERIFICATION_KEY, data: verificationId });
  } catch {
    // A full or broken storage costs only the resume-after-kill convenience.
  }
}

/** The stored id, or null when there is none or storage holds something else. */
export function readPendingVerificationId(): string | null {
  try {
    const stored = my.getStorageSync({ key: PENDING_VERIFICATION_KEY });
    const value = stored ? stored.data : null;
    return typeof value === 'string' && value.length > 0 ? value : null;
  } catch {
    return null;
  }
}

/** Forgets the pending id once the server has a final answer or the user started over. */
export function clearPendingVerificationId(): void {
  try {
    my.removeStorageSync({ key: PENDING_VERIFICATION_KEY });
  } catch {
    // Nothing to do: a stale id only leads to one extra status lookup on the next launch.
  }
}
