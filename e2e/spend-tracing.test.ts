/**
 * A request's cost on its OpenTelemetry server span (`gateway.cost_usd`): the built gateway exporting to an
 * OTLP receiver, a model priced by the profile so the expected figure is worked out from the span's own tokens.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type OtlpReceiver,
  type Simulator,
  startOpenAISimulator,
  startOtlpReceiver,
} from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';

const profile = `
logging: { level: warn }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${SIM_URL}/v1" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [{ id: key-trace, key: sk-trace-key-1 }] } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai } }
surfaces:
  openai: { plugin: surface-openai, auth: [keys] }
pricing: { backends: { openai: { models: { gpt-4o-mini: { input: 3, output: 15 } } } } }
`;

let sim: Simulator;
let receiver: OtlpReceiver;
let gateway: Gateway;

beforeAll(async () => {
  [sim, receiver] = await Promise.all([startOpenAISimulator({ apiKey: 'sk-upstream' }), startOtlpReceiver()]);
  const file = join(mkdtempSync(join(tmpdir(), 'spend-tracing-')), 'profile.yaml');
  writeFileSync(file, profile);
  gateway = await startGateway({
    profile: file,
    env: { SIM_URL: sim.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
  await Promise.all([receiver?.close(), sim?.close()]);
});

describe('the cost on the span', () => {
  it("is the server span's gateway.cost_usd, at the profile's prices of its tokens", async () => {
    const sdk = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-trace-key-1', maxRetries: 0 });
    const { response } = await sdk.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'price this trace' }] })
      .withResponse();
    expect(response.status).toBe(200);
    const span = await receiver.waitFor(
      (s) => s.kind === 2 && s.attributes['gen_ai.usage.output_tokens'] !== undefined,
    );
    const input = span.attributes['gen_ai.usage.input_tokens'] as number;
    const output = span.attributes['gen_ai.usage.output_tokens'] as number;
    expect(output).toBeGreaterThan(0);
    expect(span.attributes['gateway.cost_usd']).toBeCloseTo((input * 3 + output * 15) / 1e6, 12);
  });
});
