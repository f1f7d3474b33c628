import openaiPlugin from '@llm-gateway/backend-openai';
import { type Backend, isDisabled, silentLogger } from '@llm-gateway/spec';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { requestContext } from './__fixtures__/scripted-backend.js';
import { createMetrics } from './metrics.js';
import { createPipeline } from './pipeline.js';
import { defaultTokenCountLimits, exactParts } from './token-count.js';
import { TokenizerWorker } from './tokenizer-worker.js';
import { countPromptTokens, countTokens, tokenizerStarted } from './usage.js';

const simulators: Simulator[] = [];
const backends: Backend[] = [];

async function pipelineOverSimulator(omitUsage: boolean) {
  const sim = await startOpenAISimulator({
    apiKey: 'sk-sim',
    models: ['gpt-4o-mini', 'text-embedding-3-small'],
    omitUsage,
    reply: () => 'one two three',
  });
  simulators.push(sim);
  const backend = await openaiPlugin.create(
    openaiPlugin.configSchema.parse({ apiKey: 'sk-sim', baseURL: `${sim.url}/v1` }),
    { instanceName: 'openai', log: silentLogger },
  );
  if (isDisabled(backend)) throw new Error(backend.reason);
  backends.push(backend);
  return createPipeline({
    backends: new Map([['openai', backend]]),
    routing: { defaultModel: 'gpt-4o-mini', models: { 'text-embedding-3-small': 'openai' } },
    log: silentLogger,
    metrics: createMetrics({ defaultMetrics: false }),
  });
}

afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.close?.()));
  await Promise.all(simulators.map((sim) => sim.close()));
});

const messages = [{ role: 'user' as const, content: 'count to three' }];

/** Ticks of a 1 ms interval while `work` runs: a blocked event loop ticks at most once. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const interval = setInterval(() => ticks++, 1);
  try {
    await work();
  } finally {
    clearInterval(interval);
  }
  return ticks;
}

// The first test of this file: the module's shared worker must not have been started by anything before.
describe('the tokenizer thread of usage estimates', () => {
  it('is never started while upstreams report usage, and starts for the first estimate', async () => {
    const reporting = await pipelineOverSimulator(false);
    for (let i = 0; i < 3; i++) {
      const { result } = await reporting.chat({ model: 'gpt-4o-mini', messages }, requestContext());
      expect(result.usage.estimated).toBeUndefined();
      const { parts } = await reporting.stream({ model: 'gpt-4o-mini', messages }, requestContext());
      for await (const part of parts)
        if (part.type === 'finish') expect(part.usage?.estimated).toBeUndefined();
      const embedded = await reporting.embed(
        { model: 'text-embedding-3-small', input: ['count to three'] },
        requestContext(),
      );
      expect(embedded.result.usage.estimated).toBeUndefined();
    }
    expect(tokenizerStarted()).toBe(false);

    const silent = await pipelineOverSimulator(true);
    const { result } = await silent.chat({ model: 'gpt-4o-mini', messages }, requestContext());
    // o200k_base: "one", " two", " three".
    expect(result.usage).toMatchObject({ completionTokens: 3, estimated: true });
    expect(tokenizerStarted()).toBe(true);
  });

  it('gives the same counts as the encoder in the event loop did', async () => {
    const text = 'The quick brown fox jumps over the lazy dog. Ünïcødé 模型 and 12345 numbers!\n';
    expect(await countTokens(text)).toBe(22);
    const prompt = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Say hello', name: 'alice' },
    ];
    expect(await countPromptTokens(prompt)).toBe(19);
    expect(await countTokens('a'.repeat(500_000))).toBe(62_500);
    expect(await countTokens('')).toBe(0);
  });

  it('keeps the event loop turning while the thread loads the ranks', async () => {
    const worker = new TokenizerWorker();
    try {
      let tokens = 0;
      const ticks = await ticksDuring(async () => {
        tokens = await worker.count(['hello world'], defaultTokenCountLimits);
      });
      expect(tokens).toBe(2);
      // Loading the ranks takes about a second of CPU; in the event loop it let at most one tick through.
      expect(ticks).toBeGreaterThanOrEqual(20);
    } finally {
      await worker.close();
    }
  });

  it('hands the thread only the exact parts of a huge text and answers by extrapolation', async () => {
    const huge = 'lorem ipsum dolor sit amet, '.repeat(2_000_000);
    const parts = exactParts([huge, 'user'], defaultTokenCountLimits.exactChars);
    expect(parts.texts.map((text) => text.length)).toEqual([defaultTokenCountLimits.exactChars, 0]);
    expect(parts.extrapolatedChars).toBe(huge.length + 4 - defaultTokenCountLimits.exactChars);

    const { exactChars } = defaultTokenCountLimits;
    const exact = await countTokens(huge.slice(0, exactChars));
    expect(await countTokens(huge)).toBe(
      exact + Math.ceil((huge.length - exactChars) * (exact / exactChars)),
    );
  });

  it('answers the counts owed before closing, and starts a new thread for a later count', async () => {
    const warnings: string[] = [];
    const worker = new TokenizerWorker({ warn: (message) => warnings.push(message) });
    const owed = worker.count(['hello world'], defaultTokenCountLimits);
    expect(worker.running()).toBe(true);
    await worker.close();
    expect(worker.running()).toBe(false);
    expect(await owed).toBe(2);
    expect(await worker.count(['hello world', '!'], defaultTokenCountLimits)).toBe(3);
    expect(worker.running()).toBe(true);
    await worker.close();
    expect(warnings).toEqual([]);
  });

  it('falls back to characters/4 with one warning when the thread cannot load', async () => {
    const warnings: string[] = [];
    const worker = new TokenizerWorker({
      url: new URL('./no-such-tokenizer-thread.js', import.meta.url),
      warn: (message) => warnings.push(message),
    });
    expect(await worker.count(['x'.repeat(400)], defaultTokenCountLimits)).toBe(100);
    expect(await worker.count(['y'.repeat(40)], defaultTokenCountLimits)).toBe(10);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/tokenizer worker failed.*characters\/4/);
    await worker.close();
  });

  it('falls back with a warning when the thread crashes on a count', async () => {
    const warnings: string[] = [];
    const crashing = `import { parentPort } from 'node:worker_threads';
      parentPort.on('message', () => { throw new Error('boom'); });`;
    const worker = new TokenizerWorker({
      url: new URL(`data:text/javascript,${encodeURIComponent(crashing)}`),
      warn: (message) => warnings.push(message),
    });
    expect(await worker.count(['hello', 'world'], defaultTokenCountLimits)).toBe(3);
    expect(worker.started()).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/tokenizer worker failed \(boom\)/)]);
    await worker.close();
  });

  it('falls back when a count takes longer than the timeout', async () => {
    const warnings: string[] = [];
    const worker = new TokenizerWorker({ timeoutMs: 1, retryAfterMs: 0, warn: (m) => warnings.push(m) });
    try {
      // The ranks cannot load within 1 ms: estimated, the thread is dropped.
      expect(await worker.count(['hello world'], defaultTokenCountLimits)).toBe(3);
      expect(warnings[0]).toMatch(/no count within 1 ms/);
    } finally {
      await worker.close();
    }
  });
});

describe('the idle tokenizer thread', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('is stopped after idleStopMs without counts, and the next count starts it again', async () => {
    const warnings: string[] = [];
    const worker = new TokenizerWorker({ idleStopMs: 300, warn: (message) => warnings.push(message) });
    try {
      expect(await worker.count(['hello world'], defaultTokenCountLimits)).toBe(2);
      await vi.waitFor(() => expect(worker.running()).toBe(false), { timeout: 5_000, interval: 50 });
      expect(await worker.count(['hello world', '!'], defaultTokenCountLimits)).toBe(3);
      expect(worker.running()).toBe(true);
      await vi.waitFor(() => expect(worker.running()).toBe(false), { timeout: 5_000, interval: 50 });
      expect(warnings).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('keeps running while counts keep coming, and for good with idleStopMs 0', async () => {
    const busy = new TokenizerWorker({ idleStopMs: 1_000 });
    const never = new TokenizerWorker({ idleStopMs: 0 });
    try {
      await Promise.all([
        busy.count(['a b'], defaultTokenCountLimits),
        never.count(['a'], defaultTokenCountLimits),
      ]);
      for (let i = 0; i < 25; i++) {
        await sleep(100);
        expect(await busy.count(['hello world'], defaultTokenCountLimits)).toBe(2);
        expect(busy.running()).toBe(true);
      }
      expect(never.running()).toBe(true);
    } finally {
      await Promise.all([busy.close(), never.close()]);
    }
  });
});
