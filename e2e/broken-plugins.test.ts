/**
 * The host contains its plugins: the built gateway against deliberately broken backend packages
 * (e2e/fixtures/broken-plugins/*, one package each, named by path in a profile). A plugin of the wrong
 * shape stops the start naming the instance, the plugin and the member; one that misbehaves at run time
 * is logged and counted against its instance in /metrics while the gateway keeps serving.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@llm-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, runGatewayCli, startGateway } from './helpers/gateway.js';

const fixtures = './e2e/fixtures/broken-plugins';

/** `gateway start` on a profile whose only backend is the given fixture; resolves when it exits. */
async function startWith(fixture: string) {
  const dir = mkdtempSync(join(tmpdir(), 'broken-plugin-'));
  const profile = join(dir, 'profile.yaml');
  const lines = [
    `server: { host: 127.0.0.1, port: ${await freePort()} }`,
    'backends:',
    '  acme:',
    `    plugin: ${fixtures}/${fixture}`,
    'surfaces:',
    '  openai: { plugin: surface-openai, auth: [] }',
  ];
  writeFileSync(profile, `${lines.join('\n')}\n`);
  return runGatewayCli(['start', '--profile', profile]);
}

describe('a plugin of the wrong shape stops the start, naming instance, plugin and member', () => {
  it.each([
    [
      'backend-no-stream',
      /backends\.acme: plugin '.*backend-no-stream' created an invalid backend: member stream\(\) is missing/,
    ],
    [
      'backend-chat-string',
      /backends\.acme: plugin '.*backend-chat-string' created an invalid backend: member chat\(\) is string, not function/,
    ],
    [
      'backend-no-version',
      /backends\.acme\.plugin: plugin '.*backend-no-version' .*has no specificationVersion/,
    ],
  ])('%s', async (fixture, message) => {
    const result = await startWith(fixture);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(message);
  });
});

describe('a plugin that misbehaves at run time is contained', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({ profile: `${fixtures}/profile.yaml` });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  function chat(model: string): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  }

  async function metrics(): Promise<string> {
    return (await fetch(`${gateway.url}/metrics?format=prometheus`)).text();
  }

  /** Polls /metrics until `pattern` shows up (faults are counted as they are observed, not with the answer). */
  async function metricAppears(pattern: RegExp): Promise<string> {
    for (let tries = 0; tries < 100; tries++) {
      const text = await metrics();
      if (pattern.test(text)) return text;
      await sleep(100);
    }
    throw new Error(`no metric matching ${pattern} in:\n${await metrics()}`);
  }

  it('serves a CommonJS plugin whose default export arrives wrapped as { default }', async () => {
    const response = await chat('cjs-model');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe('Echo: hi');
  });

  it('refuses a models() answer that is a string instead of listing its letters', async () => {
    const response = await fetch(`${gateway.url}/v1/models`);
    expect(response.status).toBe(200);
    const ids = ((await response.json()) as { data: { id: string }[] }).data.map((model) => model.id);
    expect(ids).toContain('cjs-model');
    expect(ids.filter((id) => id.length === 1)).toEqual([]);
    await metricAppears(
      /gateway_plugin_errors_total\{[^}]*instance="letters"[^}]*kind="invalid_answer"\} [1-9]/,
    );
  });

  it('answers 500 for a plugin that throws a TypeError, and logs it naming plugin and instance', async () => {
    const response = await chat('throws-model');
    expect(response.status).toBe(500);
    await metricAppears(/gateway_plugin_errors_total\{[^}]*instance="throws"[^}]*kind="exception"\} 1/);
    const logs = await gateway.writtenLogs();
    const line = logs.split('\n').find((entry) => entry.includes('chat() threw instead of a GatewayError'));
    expect(line, logs).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      plugin: `${fixtures}/backend-throws`,
      instance: 'throws',
    });
  });

  it('counts an unhandled rejection from plugin code against its instance and keeps serving', async () => {
    const response = await chat('leaky-model');
    expect(response.status).toBe(200);
    await metricAppears(
      /gateway_plugin_errors_total\{[^}]*instance="leaky"[^}]*kind="unhandled_rejection"\} 1/,
    );
    expect(gateway.child.exitCode).toBeNull();
    expect((await chat('cjs-model')).status).toBe(200);
  });

  it('abandons a call that ignores its signal at the deadline, frees its slot and counts it as leaked', async () => {
    const hung = await chat('hangs-model');
    expect(hung.status).toBe(504);
    // One upstream slot and no queue: the next call is served only if the hung call gave its slot back.
    expect((await chat('cjs-model')).status).toBe(200);
    await metricAppears(/gateway_plugin_calls_abandoned_total\{[^}]*instance="hangs"[^}]*\} 1/);
    expect(gateway.child.exitCode).toBeNull();
  });
});
