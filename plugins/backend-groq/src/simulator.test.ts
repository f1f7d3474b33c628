import { type Backend, type ChatStreamPart, isDisabled, silentLogger } from '@llm-gateway/spec';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

let sim: Simulator;
let backend: Backend;
const call = () => ({ signal: new AbortController().signal, requestId: 'r', log: silentLogger });

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: 'gsk-test' });
  const created = await plugin.create(plugin.configSchema.parse({ apiKey: 'gsk-test', baseURL: sim.url }), {
    instanceName: 'groq',
    log: silentLogger,
  });
  if (isDisabled(created)) throw new Error(created.reason);
  backend = created;
});
afterAll(() => sim.close());

describe('backend-groq against the simulator', () => {
  it('streams from /openai/v1 with usage on the finish part', async () => {
    const parts: ChatStreamPart[] = [];
    for await (const part of backend.stream(
      { model: 'llama-3.1-8b-instant', messages: [{ role: 'user', content: 'hi groq' }] },
      call(),
    )) {
      parts.push(part);
    }
    expect(sim.lastRequest()?.path).toBe('/openai/v1/chat/completions');
    const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : [])).join('');
    expect(text).toBe('Echo: hi groq');
    const finish = parts.at(-1);
    expect(finish?.type).toBe('finish');
    expect(finish?.type === 'finish' && finish.usage?.completionTokens).toBeGreaterThan(0);
  });
});
