/**
 * Attacks on the telemetry path, replayed against the built gateway on configs/all-surfaces.yaml with a real
 * FerretDB as MONGO_URI: one poisoned dgen-ping `/telemetry` event once stopped every later record reaching
 * MongoDB (and the usage API with it), and usage counted a JWT user and an API key with equal ids as one.
 */

import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MongoInstance, type Simulator, startMongo, startOpenAISimulator } from '@llm-gateway/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { dgenPingToken, postJson, waitUntil } from './helpers/http.js';

const TOKEN_SECRET = 'e2e-abuse-telemetry-token-secret-0123456789';
const API_KEY = 'e2e-abuse-telemetry-api-key-7d1f03';
const ADMIN_KEY = 'e2e-abuse-telemetry-admin-key-0123';
// auth-api-key's id for a key: what a JWT subject may copy.
const KEY_ID = `key-${createHash('sha256').update(API_KEY).digest('hex').slice(0, 8)}`;
const HOUR_MS = 3_600_000;

let sim: Simulator;
let mongo: MongoInstance;
let gateway: Gateway;
let dir: string;

beforeAll(async () => {
  [sim, mongo] = await Promise.all([startOpenAISimulator(), startMongo({ dbName: 'dgen_db' })]);
  dir = mkdtempSync(join(tmpdir(), 'e2e-abuse-telemetry-'));
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: API_KEY,
      GATEWAY_ADMIN_KEYS: ADMIN_KEY,
      OPENAI_API_KEY: 'sk-e2e-abuse-telemetry',
      OPENAI_BASE_URL: `${sim.url}/v1`,
      RATE_LIMIT: '100000',
      LOG_LEVEL: 'warn',
      MONGO_URI: mongo.url,
      DB_NAME: 'dgen_db',
      CSV_FALLBACK_DIR: join(dir, 'csv'),
      TELEMETRY_QUARANTINE_DIR: join(dir, 'quarantine'),
      TELEMETRY_BATCH_SIZE: '5',
      TELEMETRY_FLUSH_MS: '100',
    },
    timeoutMs: 30_000,
  });
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([sim?.close(), mongo?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function storedIds(): Promise<Set<string>> {
  const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 2000 });
  try {
    return new Set(await client.db('dgen_db').collection<{ _id: string }>('telemetry').distinct('_id'));
  } finally {
    await client.close();
  }
}

const requestId = (response: Response) => response.headers.get('x-request-id')!;

async function usage(query: string) {
  const response = await fetch(`${gateway.url}/admin/usage?${query}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    source: string;
    totals: { requests: number };
    rows: { keys: { principal?: string | null }; requests: number }[];
  };
}

describe('telemetry under attack', () => {
  it('refuses poisoned /telemetry events with a 422, and every later record still reaches MongoDB and the usage API, counted per auth scheme', async () => {
    const token = await dgenPingToken(gateway.url, TOKEN_SECRET, KEY_ID);
    const telemetry = (body: string) => postJson(`${gateway.url}/telemetry`, body, { 'X-API-Token': token });
    const ids: string[] = [];

    // Probe 1: field names no store can hold (the driver refuses NUL; '$' first and dots are operators and paths).
    for (const body of [
      '{"a\\u0000b":1}',
      '{"$where":1}',
      '{"x":{"a.b":1}}',
      `{"d":${'['.repeat(30)}${']'.repeat(30)}}`,
    ]) {
      const response = await telemetry(body);
      expect(response.status).toBe(422);
      const detail = ((await response.json()) as { detail: { type: string; loc: unknown[] }[] }).detail;
      expect(detail[0]).toMatchObject({ type: 'value_error', loc: expect.arrayContaining(['body']) });
      ids.push(requestId(response));
    }

    // Then normal traffic: dgen-ping events as the JWT user, chat completions with the API key of the same id.
    for (let n = 0; n < 3; n += 1) {
      const response = await telemetry(JSON.stringify({ event_type: 'feedback', rating: n }));
      expect(response.status).toBe(200);
      ids.push(requestId(response));
    }
    for (let n = 0; n < 2; n += 1) {
      const response = await postJson(
        `${gateway.url}/v1/chat/completions`,
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${n}` }] },
        { authorization: `Bearer ${API_KEY}` },
      );
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      ids.push(requestId(response));
    }

    // Every request's record (the refused ones too) is in MongoDB: the store never failed over.
    await waitUntil(
      async () => {
        const stored = await storedIds();
        return ids.every((id) => stored.has(id));
      },
      'every record in MongoDB',
      20_000,
    );
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as {
      telemetry: { store: string; failovers: number; quarantined: number; lost: number };
    };
    expect(health.telemetry).toMatchObject({ store: 'mongo', failovers: 0, quarantined: 0, lost: 0 });
    expect((await readdir(join(dir, 'csv')).catch(() => [])).filter((name) => name.endsWith('.csv'))).toEqual(
      [],
    );

    // Probe 5: the JWT user whose soeid is the API key's id is another principal, in rollups and raw records.
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const range = `from=${new Date(hour - HOUR_MS).toISOString()}&to=${new Date(hour + HOUR_MS).toISOString()}`;
    const byPrincipal = await usage(`${range}&group_by=principal`);
    // The rollups answer unless the store was too slow at start to mark them complete (then the raw records do).
    expect(['rollup', 'records']).toContain(byPrincipal.source);
    const counts = Object.fromEntries(byPrincipal.rows.map((row) => [row.keys.principal, row.requests]));
    expect(counts[`jwt:${KEY_ID}`]).toBe(7);
    expect(counts[`keys:${KEY_ID}`]).toBe(2);
    expect(counts[KEY_ID]).toBeUndefined();
    const raw = await usage(`from=${new Date(hour - HOUR_MS + 1).toISOString()}&principal=jwt:${KEY_ID}`);
    expect(raw).toMatchObject({ source: 'records', totals: { requests: 7 } });

    // The seed's documented fields stay as they were; the namespaced key sits beside them.
    const client = new MongoClient(mongo.url);
    try {
      const doc = await client
        .db('dgen_db')
        .collection('telemetry')
        .findOne({ _id: ids.at(-1) as never });
      expect(doc).toMatchObject({
        principal_id: KEY_ID,
        principal_kind: 'api_key',
        principal_key: `keys:${KEY_ID}`,
      });
    } finally {
      await client.close();
    }
  });
});
