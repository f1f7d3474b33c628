import { type ChatRequest, type Pipeline, type RequestContext, silentLogger } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { withResponseHeaders } from './surface-host.js';

function context(): RequestContext {
  return {
    requestId: 'r1',
    surface: 'anthropic',
    endpoint: 'messages.count_tokens',
    principal: { id: 'anonymous', kind: 'anonymous', scheme: 'none' },
    signal: new AbortController().signal,
    log: silentLogger,
    annotations: {},
  };
}

describe('withResponseHeaders', () => {
  it("passes countTokens through (the Anthropic surface's count_tokens) and applies its headers", async () => {
    const seen: ChatRequest[] = [];
    const inner = {
      defaultModel: undefined,
      async countTokens(request: ChatRequest, ctx: RequestContext) {
        seen.push(request);
        ctx.annotations.responseHeaders = { 'X-RateLimit-Remaining': '4' };
        return 17;
      },
    } as unknown as Pipeline;
    const headers: Record<string, string> = {};
    const reply = {
      sent: false,
      raw: { headersSent: false },
      hasHeader: (name: string) => name in headers,
      header: (name: string, value: string) => {
        headers[name] = value;
      },
    };
    const wrapped = withResponseHeaders(inner, () => reply as never);
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    expect(await wrapped.countTokens?.(request, context())).toBe(17);
    expect(seen).toEqual([request]);
    expect(headers).toEqual({ 'X-RateLimit-Remaining': '4' });
  });

  it('leaves countTokens out when the pipeline has none', () => {
    const inner = { defaultModel: undefined } as unknown as Pipeline;
    expect(withResponseHeaders(inner, () => undefined).countTokens).toBeUndefined();
  });
});
