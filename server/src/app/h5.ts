/**
 * The H5 page: h5/public at `/` (its HTML with the page's CSP) and its bundle h5/dist at
 * `/assets/`, each only when it has been built. Without `serveSourceMaps`, `*.map` answers
 * 404: a public map hands out the unminified source.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { h5ContentSecurityPolicy, h5PageHeaders } from '../plugins/security-headers';

export interface H5Options {
  /** The repository root, which holds h5/public and h5/dist. */
  repoRoot: string;
  serveSourceMaps: boolean;
  /** MERCHANT_LOGO_URL: its origin, when another https one, is allowed for images. */
  logoUrl?: string;
}

/** Serves the built H5 page, if any. */
export const h5 = fp<H5Options>(
  async (app, { repoRoot, serveSourceMaps, logoUrl }) => {
    const publicDir = join(repoRoot, 'h5', 'public');
    const distDir = join(repoRoot, 'h5', 'dist');
    if (existsSync(publicDir)) {
      await app.register(fastifyStatic, { root: publicDir, prefix: '/', index: ['index.html'], setHeaders: h5PageHeaders(h5ContentSecurityPolicy(logoUrl)) });
    }
    if (existsSync(distDir)) {
      await app.register(fastifyStatic, {
        root: distDir,
        prefix: '/assets/',
        decorateReply: !existsSync(publicDir),
        allowedPath: (pathName) => serveSourceMaps || !pathName.endsWith('.map'),
      });
    }
  },
  { name: 'h5' },
);
