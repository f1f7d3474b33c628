// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profiles spell ${VAR} literally
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { captureIo } from '../cli/__fixtures__/capture-io.js';
import { checkCommand } from '../cli/check-command.js';
import { loadProfile, parseProfile } from '../profile/load-profile.js';
import type { Profile } from '../profile/schema.js';
import { buildServer, type GatewayServer } from './build-server.js';

const defaultProfile = fileURLToPath(new URL('../../../../configs/default.yaml', import.meta.url));

let gateway: GatewayServer | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function start(profile: Profile) {
  const lines: { level: number; msg: string }[] = [];
  gateway = await buildServer(profile, {
    logStream: { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
  });
  return { app: gateway.app, warnings: lines.filter((line) => line.level === 40).map((line) => line.msg) };
}

const ask = (app: GatewayServer['app'], model?: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...(model ? { model } : {}), messages: [{ role: 'user', content: 'hi' }] },
  });

describe('a first start of configs/default.yaml with no key set', () => {
  it('warns once and answers 503 in the OpenAI shape naming the variable that enables each backend', async () => {
    const { app, warnings } = await start(await loadProfile(defaultProfile, { env: {} }));
    const hint =
      'To enable one, set OPENAI_API_KEY (openai), DEEPSEEK_API_KEY (deepseek), GROQ_API_KEY (groq), ' +
      'OLLAMA_HOST (ollama) or ANTHROPIC_API_KEY (anthropic) and restart the gateway. `pnpm demo` needs ' +
      'none of them: it runs the gateway ' +
      'against built-in upstream simulators.';
    expect(warnings.filter((msg) => msg.startsWith('no backend is enabled'))).toEqual([
      `no backend is enabled, so every model request gets a 503. ${hint}`,
    ]);

    for (const model of [undefined, 'gpt-4o', 'llama3.2']) {
      const response = await ask(app, model);
      expect(response.statusCode).toBe(503);
      const { error } = response.json() as { error: { message: string; type: string; code: string } };
      expect(error.code).toBe('backend_unavailable');
      expect(error.message).toMatch(/^No backend is enabled, so model '[^']+' cannot be served\. /);
      expect(error.message.endsWith(hint)).toBe(true);
    }
  });

  it('says the same in `gateway check`, with each backend named by its own variable', async () => {
    const { io, out, err } = captureIo({}, process.cwd());
    expect(await checkCommand(defaultProfile, io)).toBe(0);
    expect(err.filter((line) => line.startsWith('warning: no backend is enabled'))).toHaveLength(1);
    expect(out.find((line) => line.startsWith('backends'))).toBe(
      'backends  openai (backend-openai) disabled: no API key (set OPENAI_API_KEY); ' +
        'deepseek (backend-deepseek) disabled: no API key (set DEEPSEEK_API_KEY); ' +
        'groq (backend-groq) disabled: no API key (set GROQ_API_KEY); ' +
        'ollama (backend-ollama) disabled: no host (set OLLAMA_HOST); ' +
        'anthropic (backend-anthropic) disabled: no API key (set ANTHROPIC_API_KEY)',
    );
  });
});

describe('the no-backend hint', () => {
  it("names the profile's own variable, or the key path when the profile reads none", async () => {
    const { app } = await start(
      parseProfile(
        `
backends:
  proxy: { plugin: backend-openai, config: { apiKey: "\${PROXYAPI_API_KEY:-}" } }
  local: { plugin: backend-ollama }
  off: { plugin: backend-groq, enabled: false }
routing: { defaultModel: gpt-4o-mini, models: { gpt-4o-mini: proxy } }
surfaces: { openai: { plugin: surface-openai } }
logging: { level: warn }
`,
        { env: {} },
      ),
    );
    const { error } = (await ask(app)).json() as { error: { message: string } };
    expect(error.message).toContain(
      'To enable one, set PROXYAPI_API_KEY (proxy) or backends.local.config.host (local) and restart the gateway. ' +
        'Disabled: off: switched off in the profile (enabled: false).',
    );
  });

  it('stays out of the way while any backend is enabled', async () => {
    const { app, warnings } = await start(
      parseProfile(
        `
backends:
  openai: { plugin: backend-openai, config: { apiKey: sk-x, baseURL: "http://127.0.0.1:9/v1" } }
  groq: { plugin: backend-groq, config: { apiKey: "\${GROQ_API_KEY:-}" } }
routing: { models: { fast: groq } }
surfaces: { openai: { plugin: surface-openai } }
logging: { level: warn }
`,
        { env: {} },
      ),
    );
    expect(warnings.filter((msg) => msg.startsWith('no backend is enabled'))).toEqual([]);
    const { error } = (await ask(app, 'fast')).json() as { error: { message: string } };
    expect(error.message).toBe("No backend is available for model 'fast' (groq is disabled)");
  });
});
