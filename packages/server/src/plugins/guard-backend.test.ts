import {
  type Backend,
  type CallContext,
  type ChatStreamPart,
  GatewayError,
  silentLogger,
} from '@llm-gateway/spec';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { guardBackend } from './guard-backend.js';
import { PluginFaults } from './plugin-faults.js';

const who = { plugin: 'backend-test', instance: 'alpha' };
const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

function backendStreaming(parts: (signal: AbortSignal) => AsyncIterable<ChatStreamPart>): Backend {
  return {
    name: 'alpha',
    models: async () => ['m'],
    chat: async () => {
      throw new Error('not used');
    },
    stream: (_request, call) => parts(call.signal),
  };
}

function setup(parts: (signal: AbortSignal) => AsyncIterable<ChatStreamPart>) {
  const faults = new PluginFaults(new Registry(), silentLogger, { abandonGraceMs: 20 });
  const abandoned = vi.spyOn(faults, 'abandoned');
  const error = vi.spyOn(faults, 'error');
  const controller = new AbortController();
  const call: CallContext = { signal: controller.signal, requestId: 'r', log: silentLogger };
  const backend = guardBackend(backendStreaming(parts), who, faults);
  return { backend, call, controller, abandoned, error };
}

async function* textParts(count: number): AsyncGenerator<ChatStreamPart> {
  for (let i = 0; i < count; i++) yield { type: 'text-delta', text: `w${i} ` };
}

describe('guardBackend streams', () => {
  it('watches a whole stream with one abort listener, not one per part', async () => {
    const { backend, call } = setup(() => textParts(20));
    const added = vi.spyOn(call.signal, 'addEventListener');
    const removed = vi.spyOn(call.signal, 'removeEventListener');
    const seen: ChatStreamPart[] = [];
    for await (const part of backend.stream(request, call)) seen.push(part);
    expect(seen).toHaveLength(20);
    expect(added.mock.calls.length).toBe(1);
    // Removed when the stream ends: a finished stream leaves nothing on the call's signal.
    expect(removed.mock.calls.length).toBe(1);
  });

  it('counts a part still pending a grace period after the signal as abandoned, once', async () => {
    const { backend, call, controller, abandoned } = setup(() => ({
      [Symbol.asyncIterator]: () => {
        let sent = false;
        return {
          next: () => {
            if (sent) return new Promise<IteratorResult<ChatStreamPart>>(() => {}); // ignores its signal
            sent = true;
            return Promise.resolve({ done: false, value: { type: 'text-delta', text: 'a' } });
          },
        };
      },
    }));
    const iterator = backend.stream(request, call)[Symbol.asyncIterator]();
    await iterator.next();
    void iterator.next();
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(abandoned).toHaveBeenCalledTimes(1);
    expect(abandoned).toHaveBeenCalledWith(who, 'stream()');
  });

  it('counts no abandonment when the part settles within the grace period, nor between parts', async () => {
    const { backend, call, controller, abandoned } = setup((signal) => ({
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<ChatStreamPart>>((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
          }),
      }),
    }));
    const iterator = backend.stream(request, call)[Symbol.asyncIterator]();
    const pending = iterator.next().catch((error: unknown) => error);
    controller.abort();
    expect(await pending).toBeInstanceOf(DOMException);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(abandoned).not.toHaveBeenCalled();
  });

  it("counts a part that throws a non-GatewayError as the plugin's fault, a GatewayError not", async () => {
    const failing = (thrown: unknown) =>
      setup(() => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(thrown) }),
      }));
    const bug = failing(new TypeError('oops'));
    await expect(bug.backend.stream(request, bug.call)[Symbol.asyncIterator]().next()).rejects.toThrow(
      'oops',
    );
    expect(bug.error).toHaveBeenCalledWith(
      who,
      'exception',
      expect.any(TypeError),
      'stream() threw instead of a GatewayError',
    );
    const mapped = failing(new GatewayError('upstream_error', 'bad gateway'));
    await expect(mapped.backend.stream(request, mapped.call)[Symbol.asyncIterator]().next()).rejects.toThrow(
      'bad gateway',
    );
    expect(mapped.error).not.toHaveBeenCalled();
  });
});
