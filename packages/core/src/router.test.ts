import type { Backend } from '@llm-gateway/spec';
import { gatewayRejection } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { ScriptedBackend } from './__fixtures__/scripted-backend.js';
import { Router, type RoutingConfig } from './router.js';

function router(routing: RoutingConfig, disabled: Record<string, string> = {}) {
  const backends = new Map<string, Backend>([
    ['openai', new ScriptedBackend({ name: 'openai', models: ['gpt-4o-mini', 'gpt-4o'] })],
    ['groq', new ScriptedBackend({ name: 'groq', models: ['llama-3.1-8b-instant'] })],
    ['openrouter', new ScriptedBackend({ name: 'openrouter', models: [] })],
  ]);
  return new Router({ backends, routing, disabledBackends: new Map(Object.entries(disabled)) });
}

describe('Router', () => {
  it('answers every model with what would enable a backend when none is enabled', async () => {
    const r = new Router({
      backends: new Map(),
      routing: { defaultModel: 'gpt-4o-mini', models: { 'gpt-4o-mini': 'openai' } },
      disabledBackends: new Map([['openai', 'no API key (set OPENAI_API_KEY)']]),
      noBackendHint: 'Set OPENAI_API_KEY (openai) and restart.',
    });
    for (const name of [undefined, 'gpt-4o-mini', 'some-unrouted-model', 'openai/gpt-4o']) {
      const error = await gatewayRejection(r.resolve(name));
      expect(error.status).toBe(503);
      expect(error.code).toBe('backend_unavailable');
      expect(error.message).toMatch(
        /^No backend is enabled, so model '.+' cannot be served\. Set OPENAI_API_KEY \(openai\) and restart\.$/,
      );
    }
  });

  it('sends an exact routing key to its backend with the key as upstream model id, slashes included', async () => {
    const r = router({ models: { 'deepseek/deepseek-v3.2': 'openrouter', 'gpt-4o-mini': 'openai' } });
    expect(await r.resolve('deepseek/deepseek-v3.2')).toEqual({
      requestedModel: 'deepseek/deepseek-v3.2',
      strategy: 'fallback',
      targets: [{ backend: 'openrouter', model: 'deepseek/deepseek-v3.2' }],
    });
    expect((await r.resolve('gpt-4o-mini')).targets).toEqual([{ backend: 'openai', model: 'gpt-4o-mini' }]);
  });

  // Regression: `openai/a\r\nb` reached the x-gateway-model header and made writeHead throw.
  it('refuses a model id with control characters as an invalid request', async () => {
    const r = router({ models: {} });
    for (const name of ['openai/a\r\nb', 'openai/x\u0000y', 'gpt\u0085']) {
      const error = await gatewayRejection(r.resolve(name));
      expect(error.status).toBe(400);
      expect(error.code).toBe('invalid_model');
    }
    expect((await r.resolve('openai/模型')).targets).toEqual([{ backend: 'openai', model: '模型' }]);
  });

  it('maps an alias to a target with its own model id', async () => {
    const r = router({ models: { fast: { backend: 'groq', model: 'llama-3.1-8b-instant' } } });
    expect((await r.resolve('fast')).targets).toEqual([{ backend: 'groq', model: 'llama-3.1-8b-instant' }]);
  });

  it('addresses a backend instance directly with <backend>/<model>', async () => {
    const r = router({ models: {} });
    expect(await r.resolve('groq/llama-3.1-8b-instant')).toEqual({
      requestedModel: 'groq/llama-3.1-8b-instant',
      strategy: 'fallback',
      targets: [{ backend: 'groq', model: 'llama-3.1-8b-instant' }],
    });
    // Everything after the first slash is the model id, slashes included.
    expect((await r.resolve('openrouter/meta/llama-3')).targets).toEqual([
      { backend: 'openrouter', model: 'meta/llama-3' },
    ]);
  });

  it('prefers an exact key over a backend prefix', async () => {
    const r = router({ models: { 'groq/special': { backend: 'openai', model: 'gpt-4o' } } });
    expect((await r.resolve('groq/special')).targets).toEqual([{ backend: 'openai', model: 'gpt-4o' }]);
  });

  it('sends a slash id that a backend lists in full to it unchanged, before the <backend>/<model> form', async () => {
    const backends = new Map<string, Backend>([
      ['deepseek', new ScriptedBackend({ name: 'deepseek', models: ['deepseek/deepseek-v3.2'] })],
    ]);
    const r = new Router({ backends, routing: { models: {} } });
    expect((await r.resolve('deepseek/deepseek-v3.2')).targets).toEqual([
      { backend: 'deepseek', model: 'deepseek/deepseek-v3.2' },
    ]);
    // An id the backend does not list still uses the prefix form.
    expect((await r.resolve('deepseek/deepseek-chat')).targets).toEqual([
      { backend: 'deepseek', model: 'deepseek-chat' },
    ]);
  });

  it('reads a plan entry: its strategy, weights and priorities', async () => {
    const r = router({
      models: {
        spread: {
          strategy: 'loadbalance',
          targets: [
            { backend: 'openai', model: 'gpt-4o-mini', weight: 3 },
            { backend: 'groq', model: 'llama-3.1-8b-instant', weight: 1, priority: 0 },
          ],
        },
        chain: { strategy: 'fallback', targets: [{ backend: 'groq' }, { backend: 'openai' }] },
      },
    });
    expect(await r.resolve('spread')).toEqual({
      requestedModel: 'spread',
      strategy: 'loadbalance',
      targets: [
        { backend: 'openai', model: 'gpt-4o-mini', weight: 3 },
        { backend: 'groq', model: 'llama-3.1-8b-instant', weight: 1, priority: 0 },
      ],
    });
    expect((await r.resolve('chain')).strategy).toBe('fallback');
    expect((await r.resolve('chain')).targets.map((t) => t.model)).toEqual(['chain', 'chain']);
  });

  it('finds a model a backend lists when no routing entry names it', async () => {
    const r = router({ models: {} });
    expect((await r.resolve('llama-3.1-8b-instant')).targets).toEqual([
      { backend: 'groq', model: 'llama-3.1-8b-instant' },
    ]);
  });

  it('answers model_not_found for an unknown model, and for an unknown backend prefix', async () => {
    const r = router({ models: { 'gpt-4o-mini': 'openai' } });
    for (const name of ['nope', 'mistral/nope']) {
      const error = await gatewayRejection(r.resolve(name));
      expect(error.type).toBe('not_found');
      expect(error.status).toBe(404);
      expect(error.code).toBe('model_not_found');
      expect(error.param).toBe('model');
      expect(error.message).toContain(name);
    }
  });

  it('uses the default model when the request names none, and rejects when there is no default', async () => {
    const r = router({ defaultModel: 'gpt-4o-mini', models: { 'gpt-4o-mini': 'openai' } });
    expect((await r.resolve('')).requestedModel).toBe('gpt-4o-mini');
    expect((await r.resolve(undefined)).targets[0]).toEqual({ backend: 'openai', model: 'gpt-4o-mini' });
    const error = await gatewayRejection(router({ models: {} }).resolve(''));
    expect(error.type).toBe('invalid_request');
    expect(error.param).toBe('model');
  });

  it('answers backend_unavailable when every target is disabled or unknown', async () => {
    const r = router(
      { models: { m: 'ollama', n: [{ backend: 'ghost' }, { backend: 'ollama' }] } },
      { ollama: 'no base URL' },
    );
    for (const name of ['m', 'n', 'ollama/llama3']) {
      const error = await gatewayRejection(r.resolve(name));
      expect(error.type).toBe('unavailable');
      expect(error.status).toBe(503);
      expect(error.code).toBe('backend_unavailable');
    }
  });

  it('keeps a chain in order and skips the disabled targets', async () => {
    const r = router(
      {
        models: {
          chat: [
            { backend: 'ollama', model: 'llama3' },
            { backend: 'groq', model: 'llama-3.1-8b-instant' },
            { backend: 'openai' },
          ],
        },
      },
      { ollama: 'disabled' },
    );
    expect((await r.resolve('chat')).targets).toEqual([
      { backend: 'groq', model: 'llama-3.1-8b-instant' },
      { backend: 'openai', model: 'chat' },
    ]);
  });
});
