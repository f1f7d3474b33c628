/**
 * The usage dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core): the built
 * gateway on configs/all-surfaces.yaml with FerretDB as MONGO_URI, usage seeded through real requests.
 */

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type MongoInstance, type Simulator, startMongo, startOpenAISimulator } from '@llm-gateway/testkit';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, repoRoot, startGateway } from './helpers/gateway.js';
import { dgenPingToken, postJson, waitUntil } from './helpers/http.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const TOKEN_SECRET = 'e2e-dashboard-token-secret-0123456789';
const ADMIN_KEY = 'e2e-dashboard-admin-key-7f3a9c';
const API_KEY = 'e2e-dashboard-api-key-41d2';
const artifacts = join(repoRoot, 'e2e/artifacts');

let sim: Simulator;
let mongo: MongoInstance;
let gateway: Gateway;
let browser: Browser | undefined;

interface Totals {
  requests: number;
  total_tokens: number;
}

async function usage(query: string): Promise<{ totals: Totals; source: string }> {
  const response = await fetch(`${gateway.url}/admin/usage?${query}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { totals: Totals; source: string };
}

/** Requests accounted to two projects by two SOEIDs, plus one refused client. */
async function seed(): Promise<void> {
  const alice = await dgenPingToken(gateway.url, TOKEN_SECRET, 'alice01');
  const bob = await dgenPingToken(gateway.url, TOKEN_SECRET, 'bob02');
  const calls = [
    [alice, 'alice01', 'alpha'],
    [alice, 'alice01', 'alpha'],
    [bob, 'bob02', 'alpha'],
    [bob, 'bob02', 'beta'],
    [bob, 'bob02', 'beta'],
  ] as const;
  for (const [index, [token, soeid, project]] of calls.entries()) {
    const response = await postJson(
      `${gateway.url}/api/llm/completion`,
      { soeid, project_name: project, prompt: `question ${index} about volatility` },
      { 'X-API-Token': token },
    );
    expect(response.status).toBe(200);
  }
  const refused = await postJson(
    `${gateway.url}/v1/chat/completions`,
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    { authorization: 'Bearer not-a-key' },
  );
  expect(refused.status).toBe(401);
  await waitUntil(async () => (await usage('project=alpha')).totals.requests === 3, 'records stored', 10_000);
}

beforeAll(async () => {
  [sim, mongo] = await Promise.all([startOpenAISimulator(), startMongo({ dbName: 'dgen_db' })]);
  gateway = await startGateway({
    profile: 'configs/all-surfaces.yaml',
    env: {
      TOKEN_SECRET,
      GATEWAY_API_KEYS: API_KEY,
      GATEWAY_ADMIN_KEYS: ADMIN_KEY,
      OPENAI_API_KEY: 'sk-e2e-dashboard-openai',
      OPENAI_BASE_URL: `${sim.url}/v1`,
      DGEN_PING_DEFAULT_MODEL: 'gpt-4o-mini',
      MONGO_URI: mongo.url,
      DB_NAME: 'dgen_db',
      TELEMETRY_FLUSH_MS: '100',
      LOG_LEVEL: 'warn',
    },
    timeoutMs: 30_000,
  });
  await seed();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 30_000,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await Promise.all([mongo?.stop(), sim?.close()]);
}, 60_000);

const figure = (text: string | null) => Number((text ?? '').replace(/,/g, ''));

describe('GET /admin/ in headless Chromium', () => {
  it('shows the stored totals without console errors, and a project filter in the URL changes them', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`).toBe(true);
    const context = await browser!.newContext({
      httpCredentials: { username: 'admin', password: ADMIN_KEY },
      viewport: { width: 1280, height: 1100 },
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    const all = (await usage('')).totals;
    await page.goto(`${gateway.url}/admin/`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    expect(figure(await page.textContent('#total-requests'))).toBe(all.requests);
    expect(figure(await page.textContent('#total-tokens'))).toBe(all.total_tokens);
    expect(all.total_tokens).toBeGreaterThan(0);
    expect(await page.textContent('#principals')).toContain('alice01');
    expect(await page.locator('#tokens-chart canvas').count()).toBe(1);
    expect(await page.textContent('#live')).toContain('sink mongo');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'admin-dashboard.png'), fullPage: true });

    const alpha = (await usage('project=alpha')).totals;
    await page.fill('input[name="project"]', 'alpha');
    await Promise.all([page.waitForURL(/project=alpha/), page.click('button[type="submit"]')]);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    expect(figure(await page.textContent('#total-requests'))).toBe(3);
    expect(figure(await page.textContent('#total-tokens'))).toBe(alpha.total_tokens);
    expect(alpha.total_tokens).toBeLessThan(all.total_tokens);
    expect(await page.textContent('#principals')).not.toContain('anonymous');
    await page.screenshot({ path: join(artifacts, 'admin-dashboard-alpha.png'), fullPage: true });

    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});

describe('GET /admin/usage', () => {
  it("answers whole-hour queries from the hourly rollups with the raw records' figures", async () => {
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
    const rolled = await usage(`from=${hour.toISOString()}&group_by=project`);
    const raw = await usage(`from=${new Date(hour.getTime() + 1).toISOString()}&group_by=project`);
    expect([rolled.source, raw.source]).toEqual(['rollup', 'records']);
    expect(rolled.totals).toEqual(raw.totals);
    expect(rolled.totals.requests).toBe((await usage('')).totals.requests);
    expect(rolled.totals.requests).toBeGreaterThan(0);
  }, 60_000);
});
