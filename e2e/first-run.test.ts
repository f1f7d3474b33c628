/**
 * A new user's first minutes, black-box: the built `gateway` on configs/default.yaml with no key set says
 * what to set (in its log and in the OpenAI-shaped 503 the official SDK sees), and `gateway check` turns
 * away a misspelled profile naming the key it meant.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProfile, type Gateway, startGateway } from './helpers/gateway.js';

const variables = ['OPENAI_API_KEY', 'DEEPSEEK_API_KEY', 'GROQ_API_KEY', 'OLLAMA_HOST'];

describe('a default start with no key set', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ profile: 'configs/default.yaml' });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('logs one warning naming the variable of each backend and pnpm demo', () => {
    const warnings = gateway
      .logs()
      .split('\n')
      .filter((line) => line.includes('no backend is enabled'));
    expect(warnings).toHaveLength(1);
    for (const name of variables) expect(warnings[0]).toContain(name);
    expect(warnings[0]).toContain('`pnpm demo` needs none');
  });

  it('answers the official SDK with a 503 that says the same, in the OpenAI error shape', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.code).toBe('backend_unavailable');
    for (const name of variables) expect(apiError.message).toContain(`${name} (`);
    expect(apiError.message).toContain('`pnpm demo` needs none');
  });
});

describe('gateway check on a misspelled profile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'first-run-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'backend:\n  openai: { plugin: backend-openai }\n',
      'backend: unknown section `backend`; did you mean `backends`?',
    ],
    [
      'backends:\n  openai:\n    plugin: backend-openai\n    config: { apikey: sk-typo }\n',
      'backends.openai.config.apikey: unknown key `apikey` in backends.openai.config; did you mean `apiKey`?',
    ],
  ])('refuses %j naming the closest valid key, and exits 1', async (text, message) => {
    const file = join(dir, 'typo.yaml');
    await writeFile(file, text);
    const result = await checkProfile(file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('sk-typo');
  });
});
