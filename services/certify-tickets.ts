/**
 * The certifyId and URL of each verification opened in this run, kept in memory only,
 * so the result page can retry a 6002 (network) with the same ticket while it is
 * valid instead of paying for a new initialize. Not persisted: after a restart the
 * result page can only ask the server for the status.
 */

export interface CertifyTicket {
  verificationId: string;
  certifyId: string;
  url: string;
  /** ISO 8601, from `POST /api/verifications`. */
  expiresAt: string;
}

const tickets: Record<string, CertifyTicket> = {};

/** Keeps a ticket for a later retry. */
export function rememberCertifyTicket(ticket: CertifyTicket): void {
  tickets[ticket.verificationId] = ticket;
}

/** The ticket for `verificationId` while it can still be used at `now`, else null. */
export function findUsableCertifyTicket(verificationId: string, now: Date = new Date()): CertifyTicket | null {
  const ticket = tickets[verificationId];
  if (!ticket) return null;
  const expiresAt = Date.parse(ticket.expiresAt);
  if (isNaN(expiresAt) || now.getTime() >= expiresAt) return null;
  return ticket;
}

/** Drops a ticket once the verification has a final answer. */
export function forgetCertifyTicket(verificationId: string): void {
  delete tickets[verificationId];
}
