/** `${VAR}`, `${VAR:-default}`; `$${` escapes a literal `${`. */
const pattern = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class InterpolationError extends Error {
  constructor(
    readonly path: string,
    readonly variable: string,
  ) {
    super(`environment variable ${variable} is not set (use \${${variable}:-default} to make it optional)`);
    this.name = 'InterpolationError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/** Key path (`backends.openai.config.apiKey`) -> the variables its value reads, in order. */
export type VariableReferences = Map<string, string[]>;

function interpolateString(
  value: string,
  env: NodeJS.ProcessEnv,
  path: readonly PropertyKey[],
  refs: VariableReferences | undefined,
): string {
  return value.replace(pattern, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    if (refs) {
      const key = formatPath(path);
      refs.set(key, [...(refs.get(key) ?? []), name!]);
    }
    const current = env[name!];
    // Shell semantics of `:-`: the default also applies when the variable is set but empty.
    if (current !== undefined && current !== '') return current;
    if (fallback !== undefined) return fallback;
    if (current !== undefined) return current;
    throw new InterpolationError(formatPath(path), name!);
  });
}

/**
 * Replaces environment references in every string value of a parsed YAML tree (never in keys,
 * never in the raw text, so a value cannot inject YAML). Results stay strings; schemas coerce.
 * `refs`, when given, records which variables each key path reads (to tell operators what to set).
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[] = [],
  refs?: VariableReferences,
): unknown {
  if (typeof value === 'string')
    return value.includes('${') ? interpolateString(value, env, path, refs) : value;
  if (Array.isArray(value))
    return value.map((item, index) => interpolateEnv(item, env, [...path, index], refs));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateEnv(item, env, [...path, key], refs);
    return out;
  }
  return value;
}
