import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkDefinition } from './load-plugin.js';

const pluginsDir = fileURLToPath(new URL('../../../../plugins/', import.meta.url));
const kinds = ['backend', 'auth', 'surface', 'sink', 'queue'] as const;

/** Every plugins/* package, built: a new one is covered without editing this file. */
const packages = readdirSync(pluginsDir).filter((dir) => kinds.some((kind) => dir.startsWith(`${kind}-`)));

describe('first-party plugin configs', () => {
  it('finds the plugins', () => {
    expect(packages).toContain('backend-openai');
  });

  it.each(packages)('%s declares a strict config schema (an unknown key is an error)', async (dir) => {
    const kind = kinds.find((k) => dir.startsWith(`${k}-`))!;
    const module = (await import(pathToFileURL(path.join(pluginsDir, dir, 'dist', 'index.js')).href)) as {
      default: unknown;
    };
    const plugin = checkDefinition(module.default, kind, dir);
    const result = plugin.configSchema.safeParse({ zzNotAKey: 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toContainEqual(
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['zzNotAKey'], path: [] }),
    );
  });
});
