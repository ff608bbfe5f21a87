/**
 * Asking the backend for a verification's status until it settles. Alipay's record can
 * lag the client's callback by a few seconds, so PENDING is retried with backoff for
 * about 15 s, after which the page says "still confirming" and offers a refresh.
 *
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query (what the backend asks for each poll)
 */
import { VerificationView } from '../../utils/api-contract';

/** How long to keep asking while the status stays PENDING. */
export const POLL_BUDGET_MS = 15_000;
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 4_000;
const BACKOFF_FACTOR = 1.5;

/** The wait before poll number `attempt` (0-based): 1 s, 1.5 s, 2.25 s, … capped at 4 s. */
export function pollDelayMs(attempt: number): number {
  return Math.min(MAX_DELAY_MS, Math.round(FIRST_DELAY_MS * Math.pow(BACKOFF_FACTOR, attempt)));
}

export interface PollDeps {
  fetchView(): Promise<VerificationView>;
  /** Resolves after `ms`; the page passes a window.setTimeout wrapper. */
  wait(ms: number): Promise<void>;
  budgetMs?: number;
}

/**
 * Fetches the view at once, then again after each backoff delay while it is PENDING and
 * the delays so far fit the budget. Resolves with the last view, which is still PENDING
 * when the budget ran out. Errors from fetchView propagate with their codes.
 */
export async function pollUntilSettled(deps: PollDeps): Promise<VerificationView> {
  const budgetMs = deps.budgetMs ?? POLL_BUDGET_MS;
  let view = await deps.fetchView();
  let waited = 0;
  for (let attempt = 0; view.status === 'PENDING'; attempt += 1) {
    const delay = pollDelayMs(attempt);
    if (waited + delay > budgetMs) break;
    await deps.wait(delay);
    waited += delay;
    view = await deps.fetchView();
  }
  return view;
}
