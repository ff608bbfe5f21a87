/**
 * Hands a verification found at launch (platform/pending-verification.ts) from app.ts to
 * the first page, which opens the result page for it. In memory, consumed once.
 */

let resumeVerificationId: string | null = null;

/** app.ts: a verification was still open when the app was last closed. */
export function offerResumeVerification(verificationId: string | null): void {
  resumeVerificationId = verificationId;
}

/** The first page: the id to resume, once; null when there is nothing to resume. */
export function takeResumeVerification(): string | null {
  const verificationId = resumeVerificationId;
  resumeVerificationId = null;
  return verificationId;
}
