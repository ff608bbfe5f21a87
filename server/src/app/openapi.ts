/**
 * The OpenAPI document, built from the route schemas (`GET /openapi.json`, served by
 * routes/meta.ts), and a browsable reference of it at `/docs` (Swagger UI). Register before
 * any route, so the document sees every route.
 *
 * The UI is three same-origin scripts and two stylesheets, with no inline script: it runs
 * under the H5 page's CSP relaxed for inline styles only (DOCS_CONTENT_SECURITY_POLICY, set by
 * swagger-ui's `staticCSP` on the /docs routes only). The validator badge is off: it would
 * send the document to validator.swagger.io.
 * @see https://github.com/fastify/fastify-swagger-ui
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { DOCS_CONTENT_SECURITY_POLICY } from '../plugins/security-headers';
import { MerchantApiKeyScheme, WebhookEventBody } from '../routes/merchant-schemas';

/** A schema written `as const` (readonly, for the routes' type inference), as the OpenAPI types take it: mutable. */
type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

function asOpenApiSchema<T>(schema: T): Mutable<T> {
  return schema as Mutable<T>;
}

/** Registers the document and the UI at /docs. */
export const openapi = fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        info: { title: 'Alipay identity verification: merchant backend', version: '0.1.0' },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' }, merchantApiKey: MerchantApiKeyScheme },
          // The body POSTed to WEBHOOK_URL (no route of ours serves it, so it is listed here).
          schemas: { VerificationWebhook: asOpenApiSchema(WebhookEventBody) },
        },
      },
    });
    await app.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_CONTENT_SECURITY_POLICY,
      uiConfig: { validatorUrl: null },
    });
  },
  { name: 'openapi' },
);
