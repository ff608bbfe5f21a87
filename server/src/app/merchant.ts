/**
 * The merchant's server-to-server API under /api/merchant (routes/merchant.ts), authenticated
 * by API keys in its own scope. Needs `dependencies` and `store`.
 */
import fp from 'fastify-plugin';
import { merchantRoutes } from '../routes/merchant';

export const merchant = fp(
  async (app) => {
    await app.register(merchantRoutes, { prefix: '/api/merchant', repository: app.repository, clock: app.clock });
  },
  { name: 'merchant', dependencies: ['dependencies', 'store'] },
);
