/**
 * Telemetry that loses nothing, end to end: the built gateway on configs/all-surfaces.yaml with three real
 * FerretDB servers as MONGO_URI, MONGO_URI_BACKUP and MONGO_URI_FALLBACK, then CSV. Every request sent to a
 * surface must end up as exactly one stored record, whatever happens to the stores.
 */

import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MongoInstance, type Simulator, startMongo, startOpenAISimulator } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { postJson, waitUntil } from './helpers/http.js';

const TOKEN_SECRET = 'e2e-telemetry-token-secret-0123456789abcdef';
const API_KEY = 'e2e-telemetry-api-key-5c2e81';
const dspClient = { client_id: 'test_client', client_secret: 'password' };

let sim: Simulator;
beforeAll(async () => {
  sim = await startOpenAISimulator({ chunkDelayMs: 5 });
});
afterAll(async () => {
  await sim?.close();
});

interface Stores {
  mongos: MongoInstance[];
  csvDir: string;
  stop(): Promise<void>;
}

async function startStores(): Promise<Stores> {
  const mongos = await Promise.all([0, 1, 2].map(() => startMongo({ dbName: 'dgen_db' })));
  const csvDir = mkdtempSync(join(tmpdir(), 'e2e-telemetry-csv-'));
  return { mongos, csvDir, stop: async () => void (await Promise.all(mongos.map((m) => m.stop()))) };
}

async function startWith(stores: Stores, extra: Record<string, string> = {}): Promise<Gateway> {
  const [primary, backup, fallback] = stores.mongos;
  return startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: API_KEY,
      DSP_ALLOW_EXAMPLE_SECRET: 'true', // the shipped example clients (secret `password`)
      OPENAI_API_KEY: 'sk-e2e-telemetry-openai',
      OPENAI_BASE_URL: `${sim.url}/v1`,
      GROQ_API_KEY: 'gsk_e2e_telemetry_groq',
      GROQ_BASE_URL: sim.url,
      RATE_LIMIT: '100000',
      AUTH_FAILURE_LIMIT: '100000',
      CACHE_ENABLED: 'true',
      RETRY_ATTEMPTS: '1',
      LOG_LEVEL: 'warn',
      MONGO_URI: primary!.url,
      MONGO_URI_BACKUP: backup!.url,
      MONGO_URI_FALLBACK: fallback!.url,
      DB_NAME: 'dgen_db',
      CSV_FALLBACK_DIR: stores.csvDir,
      TELEMETRY_BATCH_SIZE: '50',
      TELEMETRY_FLUSH_MS: '200',
      ...extra,
    },
    timeoutMs: 30_000,
  });
}

/** Stored records by request id, per store (a killed store reads as empty). */
async function storedIds(mongo: MongoInstance): Promise<string[]> {
  const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 1000 });
  try {
    return await client.db('dgen_db').collection<{ _id: string }>('telemetry').distinct('_id');
  } catch {
    return [];
  } finally {
    await client.close();
  }
}

async function findRecord(stores: Stores, id: string): Promise<Record<string, unknown> | null> {
  for (const mongo of stores.mongos) {
    const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 1000 });
    try {
      const doc = await client
        .db('dgen_db')
        .collection('telemetry')
        .findOne({ _id: id as never });
      if (doc) return doc;
    } finally {
      await client.close();
    }
  }
  return null;
}

async function csvIds(dir: string): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.csv'));
  const ids: string[] = [];
  for (const name of names) {
    // A replay moves a spool file aside: one listed a moment ago may be gone now.
    const text = await readFile(join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const lines = text.split('\n').slice(1);
    for (const line of lines) if (line) ids.push(line.split(',')[0]!);
  }
  return ids;
}

/** Every request id the stores hold, and whether any store holds one twice (it cannot: `_id`). */
async function union(stores: Stores): Promise<Set<string>> {
  const all = new Set<string>();
  for (const mongo of stores.mongos) for (const id of await storedIds(mongo)) all.add(id);
  return all;
}

/** One request to some surface; resolves to its request id once answered (undefined: never answered). */
type Call = (gateway: Gateway, token: string) => Promise<string | undefined>;

const idOf = async (response: Response) => {
  await response.arrayBuffer();
  return response.headers.get('x-request-id') ?? undefined;
};

const calls: Call[] = [
  (g) =>
    postJson(
      `${g.url}/v1/chat/completions`,
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `o ${Math.random()}` }] },
      { authorization: `Bearer ${API_KEY}` },
    ).then(idOf),
  (g) =>
    postJson(
      `${g.url}/v1/chat/completions`,
      {
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: `s ${Math.random()} a b c` }],
      },
      { authorization: `Bearer ${API_KEY}` },
    ).then(idOf),
  (g) =>
    postJson(
      `${g.url}/v1/chat/completions`,
      { model: 'gpt-4o-mini', messages: [] },
      { authorization: 'Bearer wrong' },
    ).then(idOf),
  (g, token) =>
    postJson(
      `${g.url}/api/llm/completion`,
      { soeid: 'ab1234', project_name: 'risk', prompt: `d ${Math.random()}` },
      { 'X-API-Token': token },
    ).then(idOf),
  (g) => postJson(`${g.url}/api/llm/chat`, { soeid: 'ab1234', prompt: 'x' }).then(idOf),
  (g, token) =>
    postJson(`${g.url}/api/llm/completion`, { soeid: 'ab1234' }, { 'X-API-Token': token }).then(idOf),
  (g, token) =>
    postJson(`${g.url}/telemetry`, { event_type: 'load', n: 1 }, { 'X-API-Token': token }).then(idOf),
  (g) =>
    postJson(`${g.url}/api/v1/generate`, { prompt: `p ${Math.random()}`, max_tokens: 20 }, dspClient).then(
      idOf,
    ),
  (g) =>
    postJson(`${g.url}/api/v1/generate`, { prompt: 'p' }, { ...dspClient, client_secret: 'nope' }).then(idOf),
  (g) => fetch(`${g.url}/no/such/path`).then(idOf),
];

const LOAD_CONCURRENCY = 6;

interface LoadResult {
  answered: string[];
  /** Requests that got no answer (connection refused or cut). */
  unanswered: number;
}

/** Sends `total` requests, round robin over every surface call, `concurrency` at a time. */
async function load(
  gateway: Gateway,
  token: string,
  total: number,
  options: { concurrency?: number; onProgress?: (sent: number) => void } = {},
): Promise<LoadResult> {
  const answered: string[] = [];
  let unanswered = 0;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      options.onProgress?.(index);
      try {
        const id = await calls[index % calls.length]!(gateway, token);
        if (id) answered.push(id);
        else unanswered += 1;
      } catch {
        unanswered += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? LOAD_CONCURRENCY }, worker));
  return { answered, unanswered };
}

async function tokenFor(gateway: Gateway, sent: string[]): Promise<string> {
  const response = await postJson(
    `${gateway.url}/generate-token`,
    { soeid: 'ab1234' },
    { 'X-Token-Secret': TOKEN_SECRET },
  );
  sent.push(response.headers.get('x-request-id')!);
  return ((await response.json()) as { token: string }).token;
}

async function expectStoredExactly(stores: Stores, ids: string[], timeoutMs = 20_000): Promise<void> {
  const wanted = new Set(ids);
  expect(wanted.size).toBe(ids.length);
  await waitUntil(
    async () => (await union(stores)).size >= wanted.size,
    `${wanted.size} stored records`,
    timeoutMs,
  ).catch(() => {});
  const stored = await union(stores);
  expect([...wanted].filter((id) => !stored.has(id))).toEqual([]);
  expect([...stored].filter((id) => !wanted.has(id))).toEqual([]);
}

async function telemetryOf(gateway: Gateway): Promise<Record<string, unknown>> {
  const health = (await (await fetch(`${gateway.url}/health`)).json()) as {
    telemetry: Record<string, unknown>;
  };
  return health.telemetry;
}

describe('(a) every store healthy', () => {
  let stores: Stores;
  let gateway: Gateway;
  const sent: string[] = [];
  beforeAll(async () => {
    stores = await startStores();
    gateway = await startWith(stores);
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await stores?.stop();
  }, 30_000);

  it('stores exactly one record per request, all in the primary, each surface field by field', async () => {
    const token = await tokenFor(gateway, sent);
    const { answered, unanswered } = await load(gateway, token, 200);
    expect(unanswered).toBe(0);
    sent.push(...answered);

    const one = async (response: Response) => {
      const id = response.headers.get('x-request-id')!;
      sent.push(id);
      return { id, body: await response.text() };
    };
    const openaiBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'field check' }] };
    const auth = { authorization: `Bearer ${API_KEY}` };
    const chat = await one(await postJson(`${gateway.url}/v1/chat/completions`, openaiBody, auth));
    const cached = await one(await postJson(`${gateway.url}/v1/chat/completions`, openaiBody, auth));
    const stream = await one(
      await postJson(`${gateway.url}/v1/chat/completions`, { ...openaiBody, stream: true }, auth),
    );
    const denied = await one(
      await postJson(`${gateway.url}/v1/chat/completions`, openaiBody, { authorization: 'Bearer no' }),
    );
    const dgen = await one(
      await postJson(
        `${gateway.url}/api/llm/completion`,
        { soeid: 'ab1234', project_name: 'risk-analysis', prompt: 'field check' },
        { 'X-API-Token': token },
      ),
    );
    const forbidden = await one(
      await postJson(
        `${gateway.url}/api/llm/completion`,
        { soeid: 'zz9999', project_name: 'p', prompt: 'x' },
        { 'X-API-Token': token },
      ),
    );
    const invalid = await one(
      await postJson(`${gateway.url}/api/llm/completion`, { soeid: 'ab1234' }, { 'X-API-Token': token }),
    );
    const event = { event_type: 'feedback', project_name: 'risk-analysis', rating: 5, nested: { ok: true } };
    const posted = await one(await postJson(`${gateway.url}/telemetry`, event, { 'X-API-Token': token }));
    const dsp = await one(
      await postJson(`${gateway.url}/api/v1/generate`, { prompt: 'field check', max_tokens: 20 }, dspClient),
    );
    const missing = await one(await fetch(`${gateway.url}/no/such/path`));
    sim.inject({ status: 500, path: '/chat/completions', times: 1 });
    const failed = await one(
      await postJson(
        `${gateway.url}/v1/chat/completions`,
        { ...openaiBody, messages: [{ role: 'user', content: 'upstream 500' }] },
        auth,
      ),
    );
    // A client that goes away mid-stream still gets its record.
    const cut = await postJson(
      `${gateway.url}/v1/chat/completions`,
      { ...openaiBody, stream: true, messages: [{ role: 'user', content: 'long '.repeat(300) }] },
      auth,
    );
    const cutId = cut.headers.get('x-request-id')!;
    sent.push(cutId);
    const reader = cut.body!.getReader();
    await reader.read();
    await reader.cancel();
    // The DSP test client allows 60 requests a minute: a burst meets its 429.
    let limited: string | undefined;
    for (let i = 0; i < 70 && !limited; i++) {
      const response = await postJson(
        `${gateway.url}/api/v1/generate`,
        { prompt: 'burst', max_tokens: 5 },
        dspClient,
      );
      const id = response.headers.get('x-request-id')!;
      sent.push(id);
      await response.arrayBuffer();
      if (response.status === 429) limited = id;
    }
    expect(limited).toBeDefined();

    await expectStoredExactly(stores, sent);
    expect((await storedIds(stores.mongos[0]!)).length).toBe(sent.length);
    expect(await storedIds(stores.mongos[1]!)).toEqual([]);
    expect(await storedIds(stores.mongos[2]!)).toEqual([]);

    const record = async (id: string) => (await findRecord(stores, id))!;
    const common = {
      timestamp: expect.any(Date),
      latency_ms: expect.any(Number),
      gateway_overhead_ms: expect.any(Number),
      method: 'POST',
    };
    expect(await record(chat.id)).toMatchObject({
      ...common,
      _id: chat.id,
      request_id: chat.id,
      surface: 'openai',
      endpoint: 'chat.completions',
      status_code: 200,
      principal_kind: 'api_key',
      principal_id: expect.any(String),
      target_service: expect.any(String),
      model: 'gpt-4o-mini',
      llm_latency_ms: expect.any(Number),
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
      request_size: expect.any(Number),
      response_size: expect.any(Number),
      cache_hit: false,
    });
    expect(await record(cached.id)).toMatchObject({ status_code: 200, cache_hit: true, surface: 'openai' });
    expect(await record(stream.id)).toMatchObject({
      ...common,
      status_code: 200,
      time_to_first_token_ms: expect.any(Number),
      total_tokens: expect.any(Number),
    });
    expect(await record(denied.id)).toMatchObject({ surface: 'openai', status_code: 401 });
    expect(await record(dgen.id)).toMatchObject({
      ...common,
      surface: 'dgen-ping',
      endpoint: 'completion',
      status_code: 200,
      principal_id: 'ab1234',
      project_name: 'risk-analysis',
      target_service: expect.any(String),
      model: expect.any(String),
      llm_latency_ms: expect.any(Number),
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
      request_size: expect.any(Number),
      response_size: expect.any(Number),
    });
    expect(await record(forbidden.id)).toMatchObject({ surface: 'dgen-ping', status_code: 403 });
    expect(await record(invalid.id)).toMatchObject({ surface: 'dgen-ping', status_code: 422 });
    expect(JSON.parse(posted.body)).toEqual({ status: 'logged', request_id: posted.id });
    expect(await record(posted.id)).toMatchObject({
      surface: 'dgen-ping',
      endpoint: 'telemetry',
      status_code: 200,
      principal_id: 'ab1234',
      project_name: 'risk-analysis',
      event,
    });
    expect(await record(dsp.id)).toMatchObject({
      ...common,
      surface: 'dsp',
      status_code: 200,
      principal_id: 'test_client',
      total_tokens: expect.any(Number),
    });
    expect(await record(limited!)).toMatchObject({ surface: 'dsp', status_code: 429 });
    expect(await record(missing.id)).toMatchObject({ status_code: 404, method: 'GET' });
    expect((await record(failed.id))['status_code']).toBeGreaterThanOrEqual(500);
    expect(await record(cutId)).toMatchObject({ status_code: 499, error_type: 'cancelled' });

    const status = await telemetryOf(gateway);
    expect(status).toMatchObject({ store: 'mongo', dropped: 0, failovers: 0 });
    const info = (await (await fetch(`${gateway.url}/info`)).json()) as {
      telemetry: Record<string, unknown>;
    };
    expect(info.telemetry).toMatchObject({ store: 'mongo', dropped: 0 });
    const metrics = await (
      await fetch(`${gateway.url}/metrics`, { headers: { accept: 'text/plain' } })
    ).text();
    expect(metrics).toContain('gateway_telemetry_dropped_total 0');
  }, 120_000);
});

describe('(b) the primary killed mid-load', () => {
  let stores: Stores;
  let gateway: Gateway;
  beforeAll(async () => {
    stores = await startStores();
    gateway = await startWith(stores);
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await stores?.stop();
  }, 30_000);

  it('hands the batches to the backup and loses none', async () => {
    const sent: string[] = [];
    const token = await tokenFor(gateway, sent);
    const [primary, backup] = stores.mongos;
    let killed: Promise<void> | undefined;
    const result = await load(gateway, token, 300, {
      onProgress: (index) => {
        if (index === 100) killed = primary!.kill();
      },
    });
    await killed;
    expect(result.unanswered).toBe(0);
    sent.push(...result.answered);
    await waitUntil(async () => (await telemetryOf(gateway))['buffered'] === 0, 'an empty buffer', 30_000);
    const status = await telemetryOf(gateway);
    expect(status).toMatchObject({ dropped: 0, store: 'mongo_backup' });
    expect(status['failovers']).toBeGreaterThan(0);
    expect((await storedIds(backup!)).length).toBeGreaterThan(0);
    // Back up, so what it stored before it died is counted too.
    await primary!.restart();
    await expectStoredExactly(stores, sent);
  }, 120_000);
});

describe('(c) every store killed, then restarted', () => {
  let stores: Stores;
  let gateway: Gateway;
  beforeAll(async () => {
    stores = await startStores();
    gateway = await startWith(stores);
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await stores?.stop();
  }, 30_000);

  it('spools to CSV, then replays it into the primary once: no duplicates, count exact', async () => {
    const sent: string[] = [];
    const token = await tokenFor(gateway, sent);
    await Promise.all(stores.mongos.map((mongo) => mongo.kill()));
    const result = await load(gateway, token, 150);
    expect(result.unanswered).toBe(0);
    sent.push(...result.answered);
    await waitUntil(
      async () => (await telemetryOf(gateway))['buffered'] === 0 && (await csvIds(stores.csvDir)).length > 0,
      'records spooled to CSV',
      30_000,
    );
    const spooled = await csvIds(stores.csvDir);
    expect(new Set(spooled).size).toBe(spooled.length);
    expect((await telemetryOf(gateway))['store']).toBe('csv');

    await Promise.all(stores.mongos.map((mongo) => mongo.restart()));
    await waitUntil(async () => (await csvIds(stores.csvDir)).length === 0, 'the spool replayed', 60_000);
    expect(await readdir(join(stores.csvDir, 'replayed'))).toHaveLength(1);
    await expectStoredExactly(stores, sent);
    const counts = await Promise.all(stores.mongos.map(async (mongo) => (await storedIds(mongo)).length));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(sent.length);
    // Whichever restarted store answered first took the replay; the primary takes over once its probe
    // (backing off up to probeMaxIntervalMs) answers, which on a loaded machine can come later.
    await waitUntil(
      async () => (await telemetryOf(gateway))['store'] === 'mongo',
      'the primary in use again',
      45_000,
    );
    const status = await telemetryOf(gateway);
    expect(status).toMatchObject({ dropped: 0, store: 'mongo' });
    expect(status['replayed']).toBeGreaterThanOrEqual(spooled.length);
  }, 200_000);
});

describe('(d) SIGTERM mid-load', () => {
  let stores: Stores;
  beforeAll(async () => {
    stores = await startStores();
  }, 60_000);
  afterAll(async () => {
    await stores?.stop();
  }, 30_000);

  it('flushes the buffer before exit: the stored count equals the requests answered', async () => {
    // Batches wait for a count and an interval the test never reaches: only the shutdown flush writes.
    const gateway = await startWith(stores, { TELEMETRY_BATCH_SIZE: '100000', TELEMETRY_FLUSH_MS: '600000' });
    const sent: string[] = [];
    const token = await tokenFor(gateway, sent);
    let stopped: Promise<number | null> | undefined;
    const result = await load(gateway, token, 300, {
      onProgress: (index) => {
        if (index === 120) stopped = gateway.stop(20_000);
      },
    });
    expect(await stopped).toBe(0);
    sent.push(...result.answered);
    expect(result.answered.length).toBeGreaterThan(100);
    await expectStoredExactly(stores, sent, 5000);
  }, 120_000);
});

describe('(f) MongoDB down and the CSV directory unwritable', () => {
  let gateway: Gateway;
  const dir = mkdtempSync(join(tmpdir(), 'e2e-telemetry-blocked-'));
  beforeAll(async () => {
    // A file where the directory should be: every CSV append fails.
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const down = 'mongodb://127.0.0.1:1/dgen_db';
    gateway = await startGateway({
      profile: 'configs/all-surfaces.yaml',
      env: {
        TOKEN_SECRET,
        GATEWAY_API_KEYS: API_KEY,
        DSP_ALLOW_EXAMPLE_SECRET: 'true', // the shipped example clients (secret `password`)
        OPENAI_API_KEY: 'sk-e2e-telemetry-openai',
        OPENAI_BASE_URL: `${sim.url}/v1`,
        AUTH_FAILURE_LIMIT: '100000',
        LOG_LEVEL: 'error',
        MONGO_URI: down,
        CSV_FALLBACK_DIR: join(dir, 'not-a-dir', 'logs'),
        TELEMETRY_BATCH_SIZE: '10',
        TELEMETRY_FLUSH_MS: '100',
        TELEMETRY_MAX_BUFFERED: '40',
      },
      timeoutMs: 30_000,
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('keeps serving, holds no more than its bound, and counts and logs what it drops', async () => {
    const sent: string[] = [];
    const token = await tokenFor(gateway, sent);
    const result = await load(gateway, token, 150);
    expect(result.unanswered).toBe(0);
    // MongoDB is given up on after its 2 s timeout, then CSV fails too: no sink is left.
    await waitUntil(async () => (await telemetryOf(gateway))['store'] === null, 'every sink failing', 20_000);
    const status = await telemetryOf(gateway);
    expect(status['buffered']).toBeLessThanOrEqual(40);
    expect(status['dropped']).toBeGreaterThanOrEqual(150 + 1 - 40);
    expect(status).toMatchObject({ written: 0, store: null });
    const metrics = await (await fetch(`${gateway.url}/metrics?format=prometheus`)).text();
    expect(metrics).toMatch(/gateway_telemetry_dropped_total (\d+)/);
    expect(Number(/gateway_telemetry_dropped_total (\d+)/.exec(metrics)![1])).toBe(status['dropped']);
    expect(gateway.logs()).toContain('telemetry buffer full: records dropped');
  }, 120_000);
});

describe('(e) SIGKILL mid-load', () => {
  let stores: Stores;
  beforeAll(async () => {
    stores = await startStores();
  }, 60_000);
  afterAll(async () => {
    await stores?.stop();
  }, 30_000);

  /** Kills the gateway with SIGKILL a third of the way through the load; resolves to the requests answered. */
  async function killedMidLoad(gateway: Gateway): Promise<string[]> {
    const sent: string[] = [];
    const token = await tokenFor(gateway, sent);
    const result = await load(gateway, token, 300, {
      onProgress: (index) => {
        if (index === 100) process.kill(-gateway.pid, 'SIGKILL');
      },
    });
    await gateway.stop();
    return [...sent, ...result.answered];
  }

  async function lost(answered: string[]): Promise<number> {
    const stored = await union(stores);
    return answered.filter((id) => !stored.has(id)).length;
  }

  it('memory spool: loses what waited in the buffer, no more (documented figure)', async () => {
    const gateway = await startWith(stores, { TELEMETRY_BATCH_SIZE: '50', TELEMETRY_FLUSH_MS: '1000' });
    const answered = await killedMidLoad(gateway);
    const loss = await lost(answered);
    console.info(`telemetry kill -9 loss, memory spool: ${loss} of ${answered.length} answered requests`);
    // Full batches of 50 were stored before the kill; at most one batch and what was in flight was not.
    expect(loss).toBeLessThanOrEqual(50 + LOAD_CONCURRENCY);
  }, 120_000);

  it('disk spool: the next start ships what the killed one held; no answered request is missing', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'e2e-telemetry-spool-'));
    const env = { TELEMETRY_SPOOL: 'disk', TELEMETRY_SPOOL_DIR: spoolDir, TELEMETRY_FLUSH_MS: '1000' };
    const before = (await union(stores)).size;
    const answered = await killedMidLoad(await startWith(stores, env));
    expect((await union(stores)).size - before).toBeLessThan(answered.length);
    const next = await startWith(stores, env);
    try {
      // A record is on disk before its answer's last byte leaves, so every answered request is there.
      await waitUntil(async () => (await lost(answered)) === 0, 'the spooled records shipped', 30_000);
      await waitUntil(async () => (await telemetryOf(next))['buffered'] === 0, 'an empty buffer', 10_000);
      const loss = await lost(answered);
      console.info(`telemetry kill -9 loss, disk spool: ${loss} of ${answered.length} answered requests`);
      expect(loss).toBe(0);
      await waitUntil(async () => (await readdir(spoolDir)).length <= 1, 'the spool files removed', 10_000);
    } finally {
      await next.stop();
      await rm(spoolDir, { recursive: true, force: true });
    }
  }, 120_000);
});
