/**
 * `POST /api/verifications`, `GET /api/verifications/:verificationId` and
 * `POST /api/verifications/:verificationId/certify-url` (Bearer).
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.initialize
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.certify
 * @see https://opendocs.alipay.com/apis/api_2/alipay.user.certify.open.query
 */
import { FastifyPluginAsync } from 'fastify';
import { CreateVerificationRequest } from '../../../utils/api-contract';
import {
  CreateVerificationBody,
  CreateVerificationReply,
  ErrorBody,
  IdempotencyHeaders,
  VerificationParams,
  VerificationReply,
} from '../schemas';
import { SessionService } from '../services/session-service';
import { VerificationService } from '../services/verification-service';

export interface VerificationRoutesOptions {
  sessions: SessionService;
  verifications: VerificationService;
}

const bearer = [{ bearerAuth: [] }];

/** Registers the verification endpoints; each authenticates its caller itself. */
export const verificationRoutes: FastifyPluginAsync<VerificationRoutesOptions> = async (app, { sessions, verifications }) => {
  app.post<{ Body: CreateVerificationRequest; Headers: { 'idempotency-key'?: string } }>(
    '/api/verifications',
    {
      config: { rateLimitByIp: true },
      schema: {
        summary: 'Validate a name and ID number, call initialize and sign the certify URL (201), or reuse the same person\'s live verification with a newly signed URL (200, reused: true)',
        security: bearer,
        headers: IdempotencyHeaders,
        body: CreateVerificationBody,
        response: { 200: CreateVerificationReply, 201: CreateVerificationReply, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const userId = await sessions.authenticate(request.headers.authorization);
      const result = await verifications.createVerification(userId, request.body, request.headers['idempotency-key']);
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(result.statusCode).send(result.response);
    },
  );

  app.get<{ Params: { verificationId: string } }>(
    '/api/verifications/:verificationId',
    {
      schema: {
        summary: 'A verification\'s status, from Alipay\'s record while pending',
        security: bearer,
        params: VerificationParams,
        response: { 200: VerificationReply, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request) => {
      const userId = await sessions.authenticate(request.headers.authorization);
      return verifications.getVerification(userId, request.params.verificationId);
    },
  );

  // The path names everything, so any body is ignored (the clients, which always send JSON,
  // send `{}`). The answer has a creation's fields. Counted per IP like the other signing
  // routes, though it costs no Alipay call.
  app.post<{ Params: { verificationId: string } }>(
    '/api/verifications/:verificationId/certify-url',
    {
      config: { rateLimitByIp: true },
      schema: {
        summary: 'A newly signed certify URL for the same live certifyId (a local signature, no Alipay call)',
        security: bearer,
        params: VerificationParams,
        response: { 200: CreateVerificationReply, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request) => {
      const userId = await sessions.authenticate(request.headers.authorization);
      return verifications.renewCertifyUrl(userId, request.params.verificationId);
    },
  );
};
