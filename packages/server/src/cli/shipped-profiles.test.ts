// biome-ignore-all lint/suspicious/noTemplateCurlyInString: comments spell ${VAR} literally
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io.js';
import { runCli } from './run-cli.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const yamlIn = (dir: string) =>
  readdirSync(path.join(root, dir))
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => `${dir}/${file}`);

/** Every profile the project ships; a strict schema must never turn one of them away. */
const profiles = [...yamlIn('configs'), ...yamlIn('bench')];

/** Only what profiles require outright (`${VAR}` with no default); every optional variable stays unset. */
const required = {
  TOKEN_SECRET: 'check-secret-0123456789abcdef0123456789abcdef',
  DEMO_OPENAI_URL: 'http://127.0.0.1:9',
  DEMO_OLLAMA_URL: 'http://127.0.0.1:9',
  DEMO_ANTHROPIC_URL: 'http://127.0.0.1:9',
};

describe('shipped profiles', () => {
  it('include the default and demo profiles', () => {
    expect(profiles).toEqual(expect.arrayContaining(['configs/default.yaml', 'configs/demo.yaml']));
  });

  it.each(profiles)('%s passes `gateway check` with only its required variables set', async (profile) => {
    const { io, out, err } = captureIo({ ...required }, root);
    const result = await runCli(['check', profile], io);
    expect(err.filter((line) => !line.startsWith('warning: '))).toEqual([]);
    expect(result).toEqual({ exitCode: 0 });
    expect(out[0]).toBe(`OK ${profile}`);
  });
});
