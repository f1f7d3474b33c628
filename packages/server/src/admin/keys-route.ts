import type { FastifyInstance, FastifyReply } from 'fastify';
import { createKeySchema, firstIssue, publicKey, updateKeySchema } from '../keys/key-fields.js';
import type { ManagedKeyStore } from '../keys/key-store.js';

function invalid(reply: FastifyReply, error: Parameters<typeof firstIssue>[0]) {
  const { param, message } = firstIssue(error);
  return reply
    .code(400)
    .send({ error: { type: 'invalid_request', code: 'invalid_key_fields', param, message } });
}

const notFound = (reply: FastifyReply, id: string) =>
  reply
    .code(404)
    .send({ error: { type: 'not_found', code: 'key_not_found', message: `No managed key ${id}` } });

/** Runs a store call; the store unreachable (Redis down) is a 503 in the admin API's shape, never a 500. */
async function guarded<T>(reply: FastifyReply, call: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await call();
  } catch (error) {
    reply.log.warn({ err: error }, 'managed key store failed');
    return reply.code(503).send({
      error: {
        type: 'unavailable',
        code: 'key_store_unavailable',
        message: 'The managed key store is unreachable',
      },
    });
  }
}

/** `/admin/keys`: create (the secret shown once), list, update, revoke and rotate managed API keys. */
export function registerKeysRoutes(app: FastifyInstance, store: ManagedKeyStore): void {
  const tags = ['admin'];
  app.post(
    '/admin/keys',
    { schema: { summary: 'Create a managed API key', tags } },
    async (request, reply) => {
      const parsed = createKeySchema.safeParse(request.body ?? {});
      if (!parsed.success) return invalid(reply, parsed.error);
      return guarded(reply, async () => {
        const { record, key } = await store.create(parsed.data);
        return reply.code(201).send({ ...publicKey(record), key });
      });
    },
  );
  app.get('/admin/keys', { schema: { summary: 'List managed API keys', tags } }, async (_request, reply) =>
    guarded(reply, async () => ({ keys: (await store.list()).map(publicKey) })),
  );
  app.patch<{ Params: { id: string } }>(
    '/admin/keys/:id',
    { schema: { summary: 'Change a managed API key', tags } },
    async (request, reply) => {
      const parsed = updateKeySchema.safeParse(request.body ?? {});
      if (!parsed.success) return invalid(reply, parsed.error);
      return guarded(reply, async () => {
        const record = await store.update(request.params.id, parsed.data);
        return record ? publicKey(record) : notFound(reply, request.params.id);
      });
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/admin/keys/:id',
    { schema: { summary: 'Revoke a managed API key', tags } },
    async (request, reply) =>
      guarded(reply, async () =>
        (await store.delete(request.params.id)) ? reply.code(204).send() : notFound(reply, request.params.id),
      ),
  );
  app.post<{ Params: { id: string } }>(
    '/admin/keys/:id/rotate',
    {
      schema: { summary: 'Give a managed API key a new secret (the old one works for a grace period)', tags },
    },
    async (request, reply) => {
      return guarded(reply, async () => {
        const rotated = await store.rotate(request.params.id);
        return rotated
          ? { ...publicKey(rotated.record), key: rotated.key }
          : notFound(reply, request.params.id);
      });
    },
  );
}
