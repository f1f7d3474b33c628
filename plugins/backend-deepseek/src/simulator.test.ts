import { type Backend, isDisabled, silentLogger } from '@llm-gateway/spec';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

let sim: Simulator;
let backend: Backend;
const call = () => ({ signal: new AbortController().signal, requestId: 'r', log: silentLogger });

beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: 'sk-test' });
  const created = await plugin.create(plugin.configSchema.parse({ apiKey: 'sk-test', baseURL: sim.url }), {
    instanceName: 'deepseek',
    log: silentLogger,
  });
  if (isDisabled(created)) throw new Error(created.reason);
  backend = created;
});
afterAll(() => sim.close());

describe('backend-deepseek against the simulator', () => {
  it('calls /chat/completions without a version prefix', async () => {
    const result = await backend.chat(
      { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi deepseek' }] },
      call(),
    );
    expect(result.text).toBe('Echo: hi deepseek');
    expect(sim.lastRequest()?.path).toBe('/chat/completions');
  });

  it('maps an out-of-balance 402', async () => {
    sim.inject({ status: 402, body: { error: { message: 'Insufficient Balance', type: 'unknown_error' } } });
    await expect(
      backend.chat({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'x' }] }, call()),
    ).rejects.toMatchObject({ type: 'upstream_error', code: 'upstream_insufficient_balance' });
  });
});
