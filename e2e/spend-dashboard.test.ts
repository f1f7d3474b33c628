/**
 * The dashboard's managed keys in a real headless Chromium: each key with its spend, and Revoke, after which
 * the key is refused. The built gateway on a profile with FerretDB telemetry and prices of its own.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MongoInstance, type Simulator, startMongo, startOpenAISimulator } from '@llm-gateway/testkit';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './helpers/gateway.js';
import { waitUntil } from './helpers/http.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ADMIN_KEY = 'e2e-spend-dashboard-admin-key-5c1e';
const profile = `
service: { name: spend-dashboard }
logging: { level: warn }
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-upstream, baseURL: "\${SIM_URL}/v1" } }
auth:
  keys: { plugin: auth-api-key, config: { keys: [] } }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: openai } }
surfaces:
  openai: { plugin: surface-openai, auth: [keys] }
pricing: { backends: { openai: { models: { gpt-4o-mini: { input: 1000, output: 2000 } } } } }
telemetry:
  flushIntervalMs: 100
  sinks:
    mongo: { plugin: sink-mongo, config: { uri: "\${MONGO_URI}", db: spend } }
admin: { keys: ${ADMIN_KEY} }
`;

let sim: Simulator;
let mongo: MongoInstance;
let gateway: Gateway;
let browser: Browser | undefined;

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${gateway.url}/admin${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });

const chat = (key: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'what did I spend?' }],
    }),
  });

beforeAll(async () => {
  [sim, mongo] = await Promise.all([
    startOpenAISimulator({ apiKey: 'sk-upstream' }),
    startMongo({ dbName: 'spend' }),
  ]);
  const file = join(mkdtempSync(join(tmpdir(), 'spend-dashboard-')), 'profile.yaml');
  writeFileSync(file, profile);
  gateway = await startGateway({
    profile: file,
    env: { SIM_URL: sim.url, MONGO_URI: mongo.url },
    timeoutMs: 30_000,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    timeout: 30_000,
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await Promise.all([mongo?.stop(), sim?.close()]);
}, 60_000);

describe('managed keys on the dashboard', () => {
  it('lists each key with its spend and revokes one', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`).toBe(true);
    const created = (await (
      await admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'dash-bot', project: 'dash' }) })
    ).json()) as { id: string; key: string };
    expect((await chat(created.key)).status).toBe(200);
    const spent = async () => {
      const usage = (await (await admin('/usage?group_by=principal')).json()) as {
        totals: { cost_usd: number };
      };
      return usage.totals.cost_usd;
    };
    await waitUntil(async () => (await spent()) > 0, 'cost stored', 10_000);

    const context = await browser!.newContext({
      httpCredentials: { username: 'admin', password: ADMIN_KEY },
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('dialog', (dialog) => dialog.accept());
    await page.goto(`${gateway.url}/admin/`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    const row = page.locator('#keys tbody tr', { hasText: created.id });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('dash-bot');
    expect(await row.textContent()).toMatch(/\$0\.\d*[1-9]/);
    expect(await page.textContent('#total-cost')).toMatch(/^\$\d/);

    await row.locator('button', { hasText: 'Revoke' }).click();
    await page.waitForSelector('#status:has-text("revoked")');
    await expect
      .poll(async () => (await chat(created.key)).status, { timeout: 1500, interval: 100 })
      .toBe(401);
    await expect.poll(() => page.locator('#keys tbody tr', { hasText: created.id }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
