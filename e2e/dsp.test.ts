/**
 * DSP AI Gateway end to end: the built `gateway` process on configs/dsp.yaml with the seed's environment
 * variables and client files (copied to a temp CLIENTS_DIR so tests can edit them), OpenAI and Groq played
 * by the testkit OpenAI simulator, driven with plain fetch exactly as the seed's README shows its requests.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, repoRoot, runGatewayCli, startGateway } from './helpers/gateway.js';
import { detailOf, postJson, requestsFor } from './helpers/http.js';

const keys = { openai: 'sk-e2e-dsp-openai-0123456789', groq: 'gsk_e2e_dsp_groq_0123456789' };

/** The seed's documented example credentials. */
const testClient = { client_id: 'test_client', client_secret: 'password' };
const openaiOnly = { client_id: 'openai_only_client', client_secret: 'password' };
const groqOnly = { client_id: 'groq_only_client', client_secret: 'password' };

let sim: Simulator;
let gateway: Gateway;
/** RATE_LIMIT=3 and clients with their own rate_limit. */
let limited: Gateway;
let clientsDir: string;
let limitsDir: string;
const withoutExampleSecrets = (notes: unknown) =>
  (notes as { reason: string }[]).filter((note) => !note.reason.includes('published example secret'));

/** The example clients' `client_secret_hash` (secret `password`), reused for the temp clients. */
let passwordHash: string;

function env(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OPENAI_API_KEY: keys.openai,
    OPENAI_BASE_URL: `${sim.url}/v1`,
    GROQ_API_KEY: keys.groq,
    GROQ_BASE_URL: sim.url,
    DEFAULT_PROVIDER: 'groq',
    DEFAULT_MODEL: 'mixtral-8x7b-32768',
    CLIENTS_DIR: dir,
    DSP_ALLOW_EXAMPLE_SECRET: 'true', // the example clients (secret `password`) and copies of them
    LOG_LEVEL: 'info',
    ...extra,
  };
}

async function writeClient(dir: string, client: Record<string, unknown>, hash = passwordHash): Promise<void> {
  const file = { allowed_endpoints: ['generate'], ...client, client_secret_hash: hash };
  await writeFile(join(dir, `${String(client.client_id)}.json`), JSON.stringify(file, null, 4));
}

beforeAll(async () => {
  sim = await startOpenAISimulator();
  const examples = join(repoRoot, 'configs/clients');
  passwordHash = JSON.parse(await readFile(join(examples, 'test_client.json'), 'utf8')).client_secret_hash;
  clientsDir = await mkdtemp(join(tmpdir(), 'e2e-dsp-clients-'));
  await cp(examples, clientsDir, { recursive: true, filter: (source) => !source.endsWith('.md') });

  limitsDir = await mkdtemp(join(tmpdir(), 'e2e-dsp-limits-'));
  await writeClient(limitsDir, {
    client_id: 'default_client',
    default_provider: 'openai',
    default_model: 'gpt-4o-mini',
  });
  await writeClient(limitsDir, {
    client_id: 'limited_client',
    default_provider: 'openai',
    default_model: 'gpt-4o-mini',
    rate_limit: { requests_per_minute: 2, tokens_per_day: 100000 },
  });
  await writeClient(limitsDir, {
    client_id: 'generous_client',
    default_provider: 'openai',
    default_model: 'gpt-4o-mini',
    rate_limit: { requests_per_minute: 10 },
  });
  await writeClient(limitsDir, {
    client_id: 'budget_client',
    default_provider: 'openai',
    default_model: 'gpt-4o-mini',
    // The day's budget is reserved by max_tokens up front: a defaulted one is capped here.
    max_tokens_limit: 20,
    rate_limit: { requests_per_minute: 100, tokens_per_day: 50 },
  });
  await writeClient(limitsDir, {
    client_id: 'reserving_client',
    default_provider: 'openai',
    default_model: 'gpt-4o-mini',
    rate_limit: { requests_per_minute: 100, tokens_per_day: 100 },
  });

  [gateway, limited] = await Promise.all([
    startGateway({ profile: 'configs/dsp.yaml', env: env(clientsDir) }),
    startGateway({ profile: 'configs/dsp.yaml', env: env(limitsDir, { RATE_LIMIT: '3' }) }),
  ]);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), limited?.stop()]);
  await sim?.close();
  await Promise.all([clientsDir, limitsDir].map((dir) => dir && rm(dir, { recursive: true, force: true })));
});

/** `POST /api/v1/generate` with the `client_id` / `client_secret` headers. */
function generate(target: Gateway, headers: Record<string, string>, body: unknown) {
  return postJson(`${target.url}/api/v1/generate`, body, headers);
}

/** `GET /api/v1/clients/reload`. */
function reload(target: Gateway, headers: Record<string, string>) {
  return fetch(`${target.url}/api/v1/clients/reload`, { headers });
}

describe('POST /api/v1/generate (the seed README)', () => {
  it('answers {text, model, usage} for the documented request and headers', async () => {
    const response = await generate(gateway, testClient, {
      prompt: 'Hello, world!',
      temperature: 0.7,
      max_tokens: 150,
      provider: 'groq',
      model: 'mixtral-8x7b-32768',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      text: 'Echo: Hello, world!',
      model: 'mixtral-8x7b-32768',
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    });
    // Groq's own wire: its path, its key (never the client's secret), the model and settings asked for.
    const [upstream] = requestsFor(sim, 'Hello, world!');
    expect(upstream?.path).toBe('/openai/v1/chat/completions');
    expect(upstream?.headers.authorization).toBe(`Bearer ${keys.groq}`);
    const sent = upstream?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'mixtral-8x7b-32768', temperature: 0.7 });
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(150);
  });

  it("uses the client's default provider and model when the request names none", async () => {
    const viaGroq = await generate(gateway, testClient, { prompt: 'defaults of test_client' });
    expect(viaGroq.status).toBe(200);
    expect(await viaGroq.json()).toMatchObject({ model: 'mixtral-8x7b-32768' });
    expect(requestsFor(sim, 'defaults of test_client')[0]?.path).toBe('/openai/v1/chat/completions');

    const viaOpenAI = await generate(gateway, openaiOnly, { prompt: 'defaults of openai_only_client' });
    expect(viaOpenAI.status).toBe(200);
    expect(await viaOpenAI.json()).toMatchObject({ model: 'gpt-4o-mini' });
    const [upstream] = requestsFor(sim, 'defaults of openai_only_client');
    expect(upstream?.path).toBe('/v1/chat/completions');
    expect(upstream?.headers.authorization).toBe(`Bearer ${keys.openai}`);
  });

  it('403 for a provider the client may not use, before any upstream call', async () => {
    const groq = await generate(gateway, openaiOnly, { prompt: 'openai_only wants groq', provider: 'groq' });
    expect(await detailOf(groq, 403)).toBe('Client not allowed to use provider: groq');
    const openai = await generate(gateway, groqOnly, {
      prompt: 'groq_only wants openai',
      provider: 'openai',
    });
    expect(await detailOf(openai, 403)).toBe('Client not allowed to use provider: openai');
    expect(requestsFor(sim, 'openai_only wants groq')).toHaveLength(0);
    expect(requestsFor(sim, 'groq_only wants openai')).toHaveLength(0);
  });

  it('403 for an endpoint the client may not use', async () => {
    expect(await detailOf(await reload(gateway, openaiOnly), 403)).toBe(
      'Client not allowed to access endpoint: clients/reload',
    );
  });

  it("400 for max_tokens over the client's max_tokens_limit; the limit itself is fine", async () => {
    const over = await generate(gateway, testClient, { prompt: 'too long please', max_tokens: 2001 });
    expect(await detailOf(over, 400)).toBe('max_tokens exceeds client limit of 2000');
    expect(requestsFor(sim, 'too long please')).toHaveLength(0);
    expect((await generate(gateway, testClient, { prompt: 'just right', max_tokens: 2000 })).status).toBe(
      200,
    );
    const openaiOver = await generate(gateway, openaiOnly, { prompt: 'x', max_tokens: 1001 });
    expect(await detailOf(openaiOver, 400)).toBe('max_tokens exceeds client limit of 1000');
  });
});

describe('GET /api/v1/clients/reload', () => {
  it('reports the documented message and count', async () => {
    const response = await reload(gateway, testClient);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      message: 'Successfully reloaded 3 client configurations',
      count: 3,
      skipped: [],
    });
  });

  it('applies a client file edited on disk, and a new client hashed with `gateway hash-secret`, only after reload', async () => {
    const file = join(clientsDir, 'openai_only_client.json');
    const client = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...client, allowed_providers: ['openai', 'groq'] }, null, 4));
    const hashed = await runGatewayCli(['hash-secret', 'a-new-client-secret']);
    expect(hashed.code, hashed.output).toBe(0);
    await writeClient(
      clientsDir,
      { client_id: 'new_client', default_provider: 'groq' },
      hashed.stdout.trim(),
    );

    const before = await generate(gateway, openaiOnly, { prompt: 'before reload', provider: 'groq' });
    expect(await detailOf(before, 403)).toBe('Client not allowed to use provider: groq');
    const newcomer = { client_id: 'new_client', client_secret: 'a-new-client-secret' };
    expect(await detailOf(await generate(gateway, newcomer, { prompt: 'new' }), 401)).toBe(
      'Invalid client credentials',
    );

    expect(await (await reload(gateway, testClient)).json()).toMatchObject({
      message: 'Successfully reloaded 4 client configurations',
      count: 4,
    });
    expect((await generate(gateway, openaiOnly, { prompt: 'after reload', provider: 'groq' })).status).toBe(
      200,
    );
    expect(requestsFor(sim, 'after reload')[0]?.path).toBe('/openai/v1/chat/completions');
    expect((await generate(gateway, newcomer, { prompt: 'new client speaks' })).status).toBe(200);
  });

  it('seed-format and plaintext client files were skipped behind a count: named in the answer, plaintext loaded then rewritten', async () => {
    await writeFile(join(clientsDir, 'broken.json'), '{"client_id": "broken", "client_secret_hash": ');
    // The seed README's documented client format carries no secret at all.
    await writeFile(
      join(clientsDir, 'seed_client.json'),
      JSON.stringify({ client_id: 'seed_client', name: 'Seed', allowed_endpoints: ['generate'] }),
    );
    await writeFile(
      join(clientsDir, 'plaintext.json'),
      JSON.stringify({ client_id: 'plaintext', client_secret: 'plaintext-secret-value' }, null, 4),
    );
    const response = await reload(gateway, testClient);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ message: 'Successfully reloaded 5 client configurations', count: 5 });
    expect(body.skipped).toEqual([
      { file: 'broken.json', reason: expect.stringMatching(/^not valid JSON/) },
      { file: 'seed_client.json', reason: expect.stringMatching(/^no client_secret_hash .*defaultSecret/) },
    ]);
    // The example clients (secret `password`) are named too; the rest are the plaintext ones.
    expect(body.warnings).toContainEqual({
      file: 'test_client.json',
      reason: expect.stringContaining('published example secret'),
    });
    expect(withoutExampleSecrets(body.warnings)).toEqual([
      { file: 'plaintext.json', reason: expect.stringMatching(/^PLAINTEXT client_secret/) },
    ]);
    expect((await generate(gateway, testClient, { prompt: 'still here' })).status).toBe(200);
    const plaintext = { client_id: 'plaintext', client_secret: 'plaintext-secret-value' };
    expect((await generate(gateway, plaintext, { prompt: 'plaintext speaks' })).status).toBe(200);

    await rm(join(clientsDir, 'broken.json'));
    const rewritten = await runGatewayCli(['hash-secret', '--rewrite', clientsDir]);
    expect(rewritten.code, rewritten.output).toBe(0);
    expect(rewritten.stdout).toContain('plaintext.json: converted');
    const file = JSON.parse(await readFile(join(clientsDir, 'plaintext.json'), 'utf8'));
    expect(file).toEqual({ client_id: 'plaintext', client_secret_hash: expect.stringMatching(/^scrypt\$/) });
    const after = (await (await reload(gateway, testClient)).json()) as Record<string, unknown>;
    expect(withoutExampleSecrets(after.warnings)).toEqual([]);
    expect((await generate(gateway, plaintext, { prompt: 'hashed now' })).status).toBe(200);

    expect(gateway.logs()).toMatch(/broken\.json/);
    expect(gateway.logs()).toMatch(/PLAINTEXT client_secret/);
    expect(`${gateway.logs()}${rewritten.output}`).not.toContain('plaintext-secret-value');
    await rm(join(clientsDir, 'seed_client.json'));
    await rm(join(clientsDir, 'plaintext.json'));
  });
});

describe('attacks on the DSP surface', () => {
  it('401 for a wrong secret of the same or another length, and for an unknown client', async () => {
    for (const secret of ['passwore', 'p', 'password'.repeat(100)]) {
      const response = await generate(
        gateway,
        { client_id: 'test_client', client_secret: secret },
        { prompt: 'x' },
      );
      expect(await detailOf(response, 401), secret).toBe('Invalid client credentials');
    }
    const unknown = await generate(
      gateway,
      { client_id: 'nobody', client_secret: 'password' },
      { prompt: 'x' },
    );
    expect(await detailOf(unknown, 401)).toBe('Invalid client credentials');
  });

  it('401 for missing headers, or only one of them', async () => {
    expect(await detailOf(await generate(gateway, {}, { prompt: 'x' }), 401)).toBe(
      'Missing client_id or client_secret header',
    );
    expect(await detailOf(await generate(gateway, { client_id: 'test_client' }, { prompt: 'x' }), 401)).toBe(
      'Invalid client credentials',
    );
    expect(await detailOf(await generate(gateway, { client_secret: 'password' }, { prompt: 'x' }), 401)).toBe(
      'Invalid client credentials',
    );
    expect(await detailOf(await reload(gateway, {}), 401)).toBe('Missing client_id or client_secret header');
  });

  it('422 in FastAPI shape for malformed JSON and for a missing prompt', async () => {
    const malformed = await generate(gateway, testClient, '{"prompt": "unterminated');
    const [decode] = (await detailOf(malformed, 422)) as Array<Record<string, unknown>>;
    expect(decode).toMatchObject({
      type: 'json_invalid',
      loc: ['body', expect.any(Number)],
      msg: 'JSON decode error',
    });
    const missing = (await detailOf(
      await generate(gateway, testClient, { temperature: 'hot' }),
      422,
    )) as Array<Record<string, unknown>>;
    expect(missing.map((entry) => [entry.type, entry.loc])).toEqual([
      ['missing', ['body', 'prompt']],
      ['float_parsing', ['body', 'temperature']],
    ]);
  });

  it('413 for a body over the 1 MiB limit', async () => {
    const huge = await generate(gateway, testClient, { prompt: 'x'.repeat(1_100_000) });
    expect(await detailOf(huge, 413)).toBe('Request body too large');
  });

  it('never answered a 500, and the process is alive and healthy', async () => {
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    expect(await gateway.writtenLogs()).not.toMatch(/unhandled error|"statusCode":5\d\d/);
    expect(await gateway.writtenLogs()).not.toContain('a-new-client-secret');
  });
});

describe('per-client limits from the client files', () => {
  const ask = (client: string, prompt: string) =>
    generate(limited, { client_id: client, client_secret: 'password' }, { prompt });

  it("429 with Retry-After in FastAPI shape past the client's requests_per_minute", async () => {
    expect((await ask('limited_client', 'limited 1')).status).toBe(200);
    expect((await ask('limited_client', 'limited 2')).status).toBe(200);
    const refused = await ask('limited_client', 'limited 3');
    expect(typeof (await detailOf(refused, 429))).toBe('string');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(requestsFor(sim, 'limited 3')).toHaveLength(0);
  });

  it("a client's own requests_per_minute overrides the profile's RATE_LIMIT, upwards too", async () => {
    for (let n = 1; n <= 5; n++) expect((await ask('generous_client', `generous ${n}`)).status).toBe(200);
    for (let n = 1; n <= 3; n++) expect((await ask('default_client', `default ${n}`)).status).toBe(200);
    expect(await detailOf(await ask('default_client', 'default 4'), 429)).toEqual(expect.any(String));
  });

  it("429 once the client's tokens_per_day is used up", async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const first = await ask('budget_client', words);
    expect(first.status).toBe(200);
    const { usage } = (await first.json()) as { usage: { total_tokens: number } };
    expect(usage.total_tokens).toBeGreaterThan(50);
    const refused = await ask('budget_client', 'one more');
    expect(await detailOf(refused, 429)).toBe('Daily token limit exceeded');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(requestsFor(sim, 'one more')).toHaveLength(0);
  });

  it('daily token limit let 110 of 100 through: a call whose max_tokens does not fit is refused up front', async () => {
    const headers = { client_id: 'reserving_client', client_secret: 'password' };
    const first = await generate(limited, headers, { prompt: 'reserve a little', max_tokens: 50 });
    expect(first.status).toBe(200);
    const { usage } = (await first.json()) as { usage: { total_tokens: number } };
    expect(usage.total_tokens).toBeLessThan(50);
    // Settled on the real usage, not the 50 reserved: a call that still fits goes through.
    const fits = await generate(limited, headers, {
      prompt: 'fits too',
      max_tokens: 100 - usage.total_tokens - 8,
    });
    expect(fits.status).toBe(200);
    const refused = await generate(limited, headers, { prompt: 'would overshoot', max_tokens: 90 });
    expect(await detailOf(refused, 429)).toMatch(
      /^Daily token limit exceeded: \d+ tokens left today, this request reserves 90/,
    );
    expect(requestsFor(sim, 'would overshoot')).toHaveLength(0);
  });
});
