import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginDefinition, PluginKind } from '@llm-gateway/spec';

// biome-ignore lint/suspicious/noExplicitAny: a definition of any config type; its schema validates the config.
export type AnyPluginDefinition = PluginDefinition<PluginKind, any, unknown, any>;

/** A plugin that could not be found, loaded or accepted; names the profile key and the package. */
export class PluginLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PluginLoadError';
  }
}

const shortName = /^(backend|auth|surface|sink|queue)-[a-z0-9][a-z0-9-]*$/;

/** `backend-openai` means `@llm-gateway/backend-openai`; anything else is a package name or a path. */
export function pluginCandidates(spec: string): string[] {
  return shortName.test(spec) ? [`@llm-gateway/${spec}`, spec] : [spec];
}

function isPath(spec: string): boolean {
  return spec.startsWith('.') || path.isAbsolute(spec);
}

/** Resolves from the working directory first (third-party installs), then from this package. */
export function resolvePlugin(spec: string, cwd = process.cwd()): string {
  if (isPath(spec)) {
    const target = path.resolve(cwd, spec);
    try {
      return createRequire(path.join(cwd, 'noop.js')).resolve(target);
    } catch (error) {
      throw new PluginLoadError(`cannot load plugin '${spec}': ${target} not found`, { cause: error });
    }
  }
  const requirers = [createRequire(path.join(cwd, 'noop.js')), createRequire(import.meta.url)];
  const candidates = pluginCandidates(spec);
  for (const candidate of candidates) {
    for (const require of requirers) {
      try {
        return require.resolve(candidate);
      } catch {
        // Not here: try the next place.
      }
    }
  }
  throw new PluginLoadError(
    `cannot load plugin '${spec}': package not found (looked for ${candidates.join(', ')} from ${cwd} and the server); ` +
      'install it or check the name',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function article(word: string): string {
  return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
}

/**
 * The definition inside a module's default export: a CommonJS module compiled from
 * `export default plugin` arrives as `{ default: plugin }` (with `__esModule`), and is unwrapped.
 */
export function unwrapDefault(value: unknown): unknown {
  if (!isRecord(value) || 'specificationVersion' in value) return value;
  return isRecord(value.default) ? value.default : value;
}

/** Checks that a module's default export is a v1 plugin of the expected kind. */
export function checkDefinition(value: unknown, kind: PluginKind, label: string): AnyPluginDefinition {
  if (!isRecord(value))
    throw new PluginLoadError(`${label} has no default export that is a plugin definition`);
  if (value.specificationVersion === undefined) {
    throw new PluginLoadError(
      `${label} has no specificationVersion; a plugin definition declares specificationVersion: 'v1' (SPECIFICATION_VERSION from @llm-gateway/spec)`,
    );
  }
  if (value.specificationVersion !== 'v1') {
    throw new PluginLoadError(
      `${label} declares specificationVersion ${JSON.stringify(value.specificationVersion)}; this gateway loads 'v1' plugins`,
    );
  }
  if (value.kind !== kind) {
    throw new PluginLoadError(
      `${label} is ${article(String(value.kind))} plugin, but ${article(kind)} plugin is needed here`,
    );
  }
  if (typeof value.create !== 'function')
    throw new PluginLoadError(`${label}: member create is ${typeof value.create}, not a function`);
  const schema = value.configSchema as { safeParse?: unknown } | undefined;
  if (typeof schema?.safeParse !== 'function')
    throw new PluginLoadError(`${label}: member configSchema is not a zod schema (it has no safeParse())`);
  return value as unknown as AnyPluginDefinition;
}

export interface LoadPluginOptions {
  cwd?: string;
  /** Definitions available without loading a package (embedding, tests); looked up by the profile's name. */
  preloaded?: Readonly<Record<string, AnyPluginDefinition>>;
}

/** Loads the plugin package a profile names and checks it is a plugin of `kind`. */
export async function loadPlugin(
  spec: string,
  kind: PluginKind,
  options: LoadPluginOptions = {},
): Promise<AnyPluginDefinition> {
  const preloaded = options.preloaded?.[spec];
  if (preloaded) return checkDefinition(preloaded, kind, `plugin '${spec}'`);
  const file = resolvePlugin(spec, options.cwd);
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PluginLoadError(`cannot load plugin '${spec}' from ${file}: ${reason}`, { cause: error });
  }
  const definition = checkDefinition(unwrapDefault(module.default), kind, `plugin '${spec}' (${file})`);
  loadedFrom.set(definition, file);
  return definition;
}

const loadedFrom = new WeakMap<AnyPluginDefinition, string>();

/** The module file a loaded definition came from (undefined for preloaded ones). */
export function pluginFile(definition: AnyPluginDefinition): string | undefined {
  return loadedFrom.get(definition);
}
