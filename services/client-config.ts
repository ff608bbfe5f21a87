/**
 * The server's client config (`GET /api/client-config`), fetched once per app launch and
 * shared by pages/verify and pages/consent: the merchant's branding for the header and the
 * data notice, and the minors policy. Concurrent callers share one request; a failure is not
 * kept, so the next call (the form's retry) asks again.
 */
import { ClientConfig } from '../utils/api-contract';
import { API_BASE_URL } from '../config/index';
import { getClientConfig } from './merchant';

let loaded: ClientConfig | null = null;
let inFlight: Promise<ClientConfig> | null = null;

/**
 * The config, from memory after the first success.
 * @throws ApiError (utils/client-policy.ts) when it cannot be fetched or read
 */
export function loadClientConfig(): Promise<ClientConfig> {
  if (loaded) return Promise.resolve(loaded);
  if (!inFlight) {
    inFlight = getClientConfig().then(
      (config) => {
        loaded = config;
        inFlight = null;
        return config;
      },
      (error: unknown) => {
        inFlight = null;
        throw error;
      },
    );
  }
  return inFlight;
}

/**
 * Where the header's logo loads from: an https URL as given, a path on the server (the
 * guard allows only these two) under API_BASE_URL, '' for none.
 */
export function logoSourceOf(config: ClientConfig): string {
  const logoUrl = config.branding.logoUrl;
  if (!logoUrl) return '';
  return logoUrl.charAt(0) === '/' ? API_BASE_URL + logoUrl : logoUrl;
}
