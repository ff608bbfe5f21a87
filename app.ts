/**
 * The mini-program's entry: log in silently at launch so the verify tap costs one
 * backend call, and notice a verification left open when the app was last closed.
 *
 * @see https://opendocs.alipay.com/mini/framework/app-detail (App)
 * @see https://opendocs.alipay.com/mini/api/openapi-authorize (my.getAuthCode, via services/session.ts)
 */
import { offerResumeVerification } from './services/resume';
import { logIn, sessionProvider } from './services/session';
import { readPendingVerificationId } from './platform/pending-verification';
import { useSessionProvider } from './platform/request';

App({
  onLaunch(): void {
    useSessionProvider(sessionProvider);
    offerResumeVerification(readPendingVerificationId());
    // A failed launch login is not shown: the first request logs in again and, if that
    // fails too, the page shows that request's error with a way forward.
    logIn().catch(() => undefined);
  },
});
