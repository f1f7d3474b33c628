import { logRequestFailure } from '@llm-gateway/plugin-kit';
import { type GatewayErrorType, isGatewayError } from '@llm-gateway/spec';
import type { FastifyError, FastifyInstance } from 'fastify';

function typeForStatus(status: number): GatewayErrorType {
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  return 'invalid_request';
}

/** The OpenAPI shape of those answers, for routes that document their 4xx. */
export const gatewayErrorResponseSchema = {
  type: 'object',
  description: 'A gateway error.',
  properties: {
    error: {
      type: 'object',
      properties: {
        type: { type: 'string' },
        message: { type: 'string' },
        code: { type: ['string', 'null'] },
      },
    },
  },
} as const;

/**
 * Error and not-found answers for the gateway's own routes (surfaces set their own shapes in
 * their scope): `{ error: { type, message, code } }`, never a stack trace or an internal message.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isGatewayError(error)) {
      if (error.status >= 500) logRequestFailure(request.log, error, 'request failed');
      return reply
        .code(error.status)
        .headers(error.headers)
        .send({ error: { type: error.type, message: error.message, code: error.code ?? null } });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply
        .code(status)
        .send({ error: { type: typeForStatus(status), message: error.message, code: error.code ?? null } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(500)
      .send({ error: { type: 'internal', message: 'Internal server error', code: null } });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return reply.code(404).send({
      error: {
        type: 'not_found',
        message: `Route ${request.method} ${path} not found`,
        code: 'route_not_found',
      },
    });
  });
}
