import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const specDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../spec');

/** A plugin module as a third party would publish it: ESM, zod from @llm-gateway/spec. */
export function backendSource(overrides = ''): string {
  return `
import { z } from '@llm-gateway/spec';
export default {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'echo',
  configSchema: z.object({ greeting: z.string().default('echo') }),
  async create(config, host) {
    return {
      name: host.instanceName,
      async models() { return ['echo-1']; },
      async chat(request) {
        return { id: 'e', model: request.model, text: config.greeting + ': ' + request.messages.at(-1).content,
          finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, created: 0 };
      },
      async *stream() { yield { type: 'finish', finishReason: 'stop' }; },
    };
  },
  ${overrides}
};
`;
}

export async function writePackage(root: string, name: string, source: string): Promise<void> {
  const dir = path.join(root, 'node_modules', name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', type: 'module', exports: { '.': { default: './index.js' } } }),
  );
  await writeFile(path.join(dir, 'index.js'), source);
}

/** A temp directory laid out like a deployment with `gateway-plugin-echo` installed. */
export async function pluginDir(): Promise<string> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'gateway-plugins-'));
  await mkdir(path.join(cwd, 'node_modules', '@llm-gateway'), { recursive: true });
  await symlink(specDir, path.join(cwd, 'node_modules', '@llm-gateway', 'spec'), 'dir');
  await writePackage(cwd, 'gateway-plugin-echo', backendSource());
  return cwd;
}
