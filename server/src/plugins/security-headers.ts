/**
 * Headers that tell the browser what the server's pages may do. Every answer: no MIME
 * sniffing, no framing, no Referer (the H5 page's URL carries a one-time auth_code after the
 * OAuth redirect), and HSTS when the request came over HTTPS. The H5 page's HTML also carries
 * a Content-Security-Policy.
 * @see https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy
 * @see https://developer.mozilla.org/docs/Web/HTTP/Headers/Strict-Transport-Security
 */
import { FastifyInstance } from 'fastify';

/**
 * The H5 page (h5/public/index.html) loads its one script, `/assets/main.js`, and
 * `/styles.css` from this origin, calls only `/api/*` on it, has no inline script, inline
 * style or event-handler attribute, and reaches Alipay through the `AlipayJSBridge` the
 * Alipay app injects (no script of Alipay's is loaded). Leaving for the OAuth and certify
 * pages is a navigation, which CSP does not govern. `form-action 'none'`: the form is only
 * ever sent by the script; a submit before the script has loaded must not put the name and
 * ID number into a URL.
 */
export const H5_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The API reference at /docs (Swagger UI): the H5 page's policy with one relaxation, inline
 * styles, because Swagger UI (React) sets styles from its script at run time and Chromium
 * blocks them under `style-src 'self'` (tests/h5/api-docs.test.ts sees it). Scripts stay
 * same-origin files only; the page shows the public API description, no personal data, and
 * sends nothing but the requests a developer makes from it.
 */
export const DOCS_CONTENT_SECURITY_POLICY = H5_CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

/**
 * One year, so a returning visitor is never first sent over plain HTTP. No
 * includeSubDomains: the merchant's other hosts under the same domain are not ours to pin.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

export interface SecurityHeaderOptions {
  /** PUBLIC_URL: when it is https, every answer is reaching the person over HTTPS, whatever hop came last. */
  publicUrl: string;
}

/** Adds the every-answer headers; HSTS when the request was HTTPS (`request.protocol` honours TRUST_PROXY) or PUBLIC_URL is. */
export function installSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const publicIsHttps = new URL(options.publicUrl).protocol === 'https:';
  app.addHook('onSend', async (request, reply) => {
    void reply.headers({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    if (publicIsHttps || request.protocol === 'https') void reply.header('strict-transport-security', STRICT_TRANSPORT_SECURITY);
  });
}

/**
 * The H5 page's policy for a merchant whose logo (MERCHANT_LOGO_URL) is on another https origin:
 * that one origin joins `img-src`, not every https host, so the page still loads images from
 * nowhere else. A logo path on this server needs nothing ('self').
 */
export function h5ContentSecurityPolicy(logoUrl?: string): string {
  if (logoUrl === undefined || !logoUrl.startsWith('https://')) return H5_CONTENT_SECURITY_POLICY;
  return H5_CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", `img-src 'self' data: ${new URL(logoUrl).origin}`);
}

/** For @fastify/static's `setHeaders` on h5/public: `policy` on the page's HTML. */
export function h5PageHeaders(policy: string): (response: { setHeader(name: string, value: string): unknown }, path: string) => void {
  return (response, path) => {
    if (path.endsWith('.html')) response.setHeader('content-security-policy', policy);
  };
}
