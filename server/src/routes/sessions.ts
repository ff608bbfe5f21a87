/**
 * `POST /api/sessions {authCode}` → 201 `{token, expiresAt}`.
 * @see https://opendocs.alipay.com/apis/api_2/alipay.system.oauth.token
 */
import { FastifyPluginAsync } from 'fastify';
import { CreateSessionRequest } from '../../../utils/api-contract';
import { CreateSessionBody, CreateSessionReply, ErrorBody } from '../schemas';
import { SessionService } from '../services/session-service';

/** Registers `POST /api/sessions`. */
export const sessionRoutes: FastifyPluginAsync<{ sessions: SessionService }> = async (app, { sessions }) => {
  app.post<{ Body: CreateSessionRequest }>(
    '/api/sessions',
    {
      config: { rateLimitByIp: true },
      schema: {
        summary: 'Open a session from an Alipay auth code (auth_base)',
        body: CreateSessionBody,
        response: { 201: CreateSessionReply, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { userId, response } = await sessions.createSession(request.body.authCode);
      request.log.info({ userId }, 'session created');
      return reply.code(201).send(response);
    },
  );
};
