/** Conformance checks for the Chat Completions features beyond text: tools, structured output, images, n > 1. */
import { type ChatRequest, isGatewayError, type Message } from '@llm-gateway/spec';
import { expect } from 'vitest';
import type { ConformanceEnv } from './backend-conformance.js';
import { collectChat } from './collect.js';

/** Features a backend may lack; for those the checks expect a 400 naming the parameter instead. */
export type ConformanceFeature = 'n' | 'image' | 'json-schema';

export type FeatureCheckName =
  | 'tool-call'
  | 'tool-round-trip'
  | 'stream-tool-call'
  | 'structured-output'
  | 'json-mode'
  | 'image'
  | 'n-choices';

export const conformanceTools: NonNullable<ChatRequest['tools']> = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

const city = 'Lisbon';
/** A 1x1 PNG: every upstream that takes images takes this one inline. */
const pixel =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function ask(env: ConformanceEnv, extra: Partial<ChatRequest> = {}, messages?: Message[]): ChatRequest {
  return { model: env.model, messages: messages ?? [{ role: 'user', content: city }], ...extra };
}

async function expectUnsupported(env: ConformanceEnv, pending: Promise<unknown>, param: string) {
  let error: unknown;
  try {
    await pending;
  } catch (caught) {
    error = caught;
  }
  expect(isGatewayError(error), `expected a 400 naming ${param}, got ${String(error)}`).toBe(true);
  expect(error).toMatchObject({ status: 400, type: 'invalid_request', param });
  expect(env.sim.requests, 'an unsupported parameter must not reach the upstream').toHaveLength(0);
}

export interface FeatureCheck {
  title: string;
  run(env: ConformanceEnv, unsupported: ReadonlySet<ConformanceFeature>): Promise<void>;
}

export const featureChecks: Record<FeatureCheckName, FeatureCheck> = {
  'tool-call': {
    title: 'chat() with tools returns the tool call (id, name, JSON arguments) and finish reason tool_calls',
    async run(env) {
      const result = await env.backend.chat(ask(env, { tools: conformanceTools }), env.call());
      expect((env.sim.lastRequest()?.body as { tools?: unknown[] }).tools).toHaveLength(1);
      expect(result.finishReason).toBe('tool_calls');
      expect(result.toolCalls).toHaveLength(1);
      const [call] = result.toolCalls ?? [];
      if (!call) throw new Error('chat() returned no tool call');
      expect(call.id.length).toBeGreaterThan(0);
      expect(call.function.name).toBe('get_weather');
      expect(JSON.parse(call.function.arguments)).toEqual({ city });
    },
  },
  'tool-round-trip': {
    title: 'the assistant tool call and the tool result in the history reach the upstream, and it answers',
    async run(env) {
      const call = {
        id: 'call_abc',
        type: 'function' as const,
        function: { name: 'get_weather', arguments: JSON.stringify({ city }) },
      };
      const history: Message[] = [
        { role: 'user', content: city },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', content: '18C', toolCallId: 'call_abc' },
      ];
      const result = await env.backend.chat(ask(env, { tools: conformanceTools }, history), env.call());
      expect(result.text).toBe('Echo: Tool said: 18C');
      expect(result.finishReason).toBe('stop');
      const sent = (env.sim.lastRequest()?.body as { messages: Array<Record<string, unknown>> }).messages;
      // Anthropic's wire carries calls as `tool_use` content blocks, not as `tool_calls`.
      const calls =
        env.sim.kind === 'anthropic'
          ? (sent[1]?.content as Array<{ type: string }>).filter((block) => block.type === 'tool_use')
          : sent[1]?.tool_calls;
      expect(calls, 'the assistant turn lost its tool calls').toHaveLength(1);
    },
  },
  'stream-tool-call': {
    title: 'stream() passes tool-call deltas through in order: id and name first, arguments adding up',
    async run(env) {
      const { parts, finish } = await collectChat(
        env.backend.stream(ask(env, { tools: conformanceTools }), env.call()),
      );
      const deltas = parts.flatMap((p) => (p.type === 'tool-call-delta' ? [p] : []));
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas[0]).toMatchObject({ index: 0, name: 'get_weather' });
      expect(deltas[0]?.id?.length).toBeGreaterThan(0);
      expect(JSON.parse(deltas.map((d) => d.arguments ?? '').join(''))).toEqual({ city });
      expect(parts.at(-1)?.type).toBe('finish');
      expect(finish?.finishReason).toBe('tool_calls');
    },
  },
  'structured-output': {
    title: 'chat() with a json_schema response format answers JSON fitting the schema',
    async run(env, unsupported) {
      const responseFormat: ChatRequest['responseFormat'] = {
        type: 'json_schema',
        jsonSchema: {
          name: 'weather',
          strict: true,
          schema: {
            type: 'object',
            properties: { city: { type: 'string' }, degrees: { type: 'number' } },
            required: ['city', 'degrees'],
            additionalProperties: false,
          },
        },
      };
      const pending = env.backend.chat(ask(env, { responseFormat }), env.call());
      if (unsupported.has('json-schema')) return expectUnsupported(env, pending, 'response_format');
      expect(JSON.parse((await pending).text)).toEqual({ city, degrees: 42 });
    },
  },
  'json-mode': {
    title: 'chat() with a json_object response format answers JSON',
    async run(env) {
      const result = await env.backend.chat(
        ask(env, { responseFormat: { type: 'json_object' } }),
        env.call(),
      );
      expect(JSON.parse(result.text)).toEqual({ echo: city });
    },
  },
  image: {
    title: 'chat() with an image part sends the image upstream',
    async run(env, unsupported) {
      const messages: Message[] = [
        {
          role: 'user',
          content: city,
          parts: [
            { type: 'text', text: city },
            { type: 'image', url: pixel },
          ],
        },
      ];
      const pending = env.backend.chat(ask(env, {}, messages), env.call());
      if (unsupported.has('image')) return expectUnsupported(env, pending, 'messages[0].content[1]');
      expect((await pending).text).toBe(`Echo: ${city} [1 image]`);
    },
  },
  'n-choices': {
    title: 'chat() with n = 2 returns two choices',
    async run(env, unsupported) {
      const pending = env.backend.chat(ask(env, { n: 2 }), env.call());
      if (unsupported.has('n')) return expectUnsupported(env, pending, 'n');
      const result = await pending;
      expect(result.text).toBe(`Echo: ${city}`);
      expect(result.otherChoices).toEqual([{ index: 1, text: `Echo: ${city}`, finishReason: 'stop' }]);
    },
  },
};
