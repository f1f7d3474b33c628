import { type SurfacePlugin, z } from '@llm-gateway/spec';
import { describe, expect, it, vi } from 'vitest';
import { surfaceConformance } from './surface-conformance.js';

/** A surface with one public chat route: it never asks for credentials. */
const publicSurface: SurfacePlugin<Record<string, never>> = {
  specificationVersion: 'v1',
  kind: 'surface',
  name: 'surface-public-fixture',
  configSchema: z.object({}).strict() as z.ZodType<Record<string, never>>,
  async create(_config, host) {
    return {
      name: host.instanceName,
      async register(app) {
        app.post('/chat', async (request) => {
          const body = request.body as { model: string; prompt: string };
          const principal = { id: 'conformance-user', kind: 'api_key' as const, scheme: 'public' };
          const { result } = await host.pipeline.chat(
            { model: body.model, messages: [{ role: 'user', content: body.prompt }] },
            { principal } as never,
          );
          return { text: result.text };
        });
      },
    };
  },
};

const info = vi.spyOn(console, 'info');
surfaceConformance({
  plugin: publicSurface,
  config: {},
  chat: (model, prompt) => ({ url: '/chat', payload: { model, prompt } }),
  replyText: (body) => (body as { text: string }).text,
  capabilities: { authentication: false },
});

describe('surface capabilities', () => {
  it('registers a check of a capability declared lacking as skipped, printing why', () => {
    // The suite registers its checks while vitest collects it, so by now every skip was printed.
    const logged = info.mock.calls.map((call) => String(call[0]));
    info.mockRestore();
    expect(logged).toEqual([
      'surface conformance: skipped "answers 401 without credentials or with a wrong key, never reaching the pipeline": the surface declares capabilities.authentication: false',
    ]);
  });
});
