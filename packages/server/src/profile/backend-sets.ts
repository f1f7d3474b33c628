import { z } from 'zod';
import { formatIssues, type ProfileIssue } from './format-issues.js';
import { instanceName } from './plugin-section.js';

const example = '{"gpt-4": "http://gpt4-svc:8000/v1"}';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** JSON.parse's message without the input it quotes (the map may carry per-service keys). */
function jsonProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/,\s*".*" is not valid JSON$/s, '');
}

/** A service map is a YAML mapping, or its JSON text (from one env variable); blank means none. */
function parseServiceMap(value: unknown, ctx: z.core.$RefinementCtx): unknown {
  if (value === null || value === undefined) return undefined;
  let map = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    try {
      map = JSON.parse(text);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid JSON: ${jsonProblem(error)} (expected an object of service name -> URL, e.g. ${example})`,
      });
      return z.NEVER;
    }
  }
  if (isRecord(map)) return map;
  ctx.addIssue({ code: 'custom', message: `Expected an object of service name -> URL, e.g. ${example}` });
  return z.NEVER;
}

/** A service is its URL, or `{ url, model?, models?, config? }`. */
function serviceShape(value: unknown, ctx: z.core.$RefinementCtx): unknown {
  if (typeof value === 'string') return { url: value };
  if (isRecord(value)) return value;
  ctx.addIssue({ code: 'custom', message: 'Expected a URL or { url, model?, models?, config? }' });
  return z.NEVER;
}

const modelList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((model) => model.trim())
          .filter(Boolean)
      : value,
  z.array(z.string().min(1)).min(1).optional(),
);

const serviceEntry = z.preprocess(
  serviceShape,
  z.strictObject({
    url: z
      .string()
      .trim()
      .refine(isHttpUrl, { error: 'Expected an http(s) URL, e.g. http://llm-service:8000/v1' }),
    /** Upstream model id behind the service name (default: the name itself). */
    model: z.string().min(1).optional(),
    /** Further model ids the service serves, reachable by those names (default: its model id). */
    models: modelList,
    /** Merged over the set's shared `config` for this service only. */
    config: z.record(z.string(), z.unknown()).optional(),
  }),
);

const serviceMap = z.preprocess(parseServiceMap, z.record(instanceName, serviceEntry).optional());

const backendSet = z.strictObject({
  /** The backend plugin every service of the set speaks, e.g. `backend-openai`. */
  plugin: z.string().min(1),
  /** Service name -> URL or { url, model?, models?, config? }, as a mapping or JSON text. */
  services: serviceMap,
  /** Used when `services` is blank or `{}` (e.g. the variable is unset). */
  defaultServices: serviceMap,
  /** Config shared by every service's backend instance. */
  config: z.record(z.string(), z.unknown()).default({}),
  /** The config key that receives each service's URL. */
  urlKey: z.string().min(1).default('baseURL'),
});

/**
 * `backendSets`: named maps of services that each become a backend instance and a routing entry of the
 * same name. Expanded by `expandBackendSets` before the rest of the profile is validated.
 */
export const backendSetsSection = z.record(instanceName, backendSet).prefault({});

export type BackendSetConfig = z.output<typeof backendSet>;
type ServiceConfig = NonNullable<BackendSetConfig['services']>[string];

/** The backend instance a service becomes. */
function serviceBackend(set: BackendSetConfig, name: string, service: ServiceConfig) {
  return {
    plugin: set.plugin,
    config: {
      ...set.config,
      ...service.config,
      [set.urlKey]: service.url,
      // Only the service's own ids: a plugin's default model list would claim models it does not serve.
      models: service.models ?? [service.model ?? name],
    },
  };
}

/**
 * Turns every `backendSets` service into a `backends` instance and a `routing.models` entry of its name
 * (an explicit routing entry of that name wins). Works on the interpolated tree, before validation, so the
 * rest of the gateway only ever sees ordinary backends and routes. Returns the problems, changing nothing
 * when there are any.
 */
export function expandBackendSets(tree: Record<string, unknown>): ProfileIssue[] {
  if (tree.backendSets === undefined) return [];
  const parsed = backendSetsSection.safeParse(tree.backendSets, { reportInput: true });
  if (!parsed.success) return formatIssues(parsed.error.issues, ['backendSets'], backendSetsSection);
  // A malformed `backends` or `routing` is left for the profile schema to report.
  if (tree.backends !== undefined && tree.backends !== null && !isRecord(tree.backends)) return [];
  const routing = tree.routing ?? {};
  if (!isRecord(routing)) return [];
  const routes = routing.models ?? {};
  if (!isRecord(routes)) return [];

  const explicit = isRecord(tree.backends) ? tree.backends : {};
  const added = new Map<
    string,
    { set: string; backend: ReturnType<typeof serviceBackend>; route: unknown }
  >();
  const issues: ProfileIssue[] = [];
  for (const [setName, set] of Object.entries(parsed.data)) {
    const fromServices = set.services !== undefined && Object.keys(set.services).length > 0;
    const key = fromServices ? 'services' : 'defaultServices';
    for (const [name, service] of Object.entries((fromServices ? set.services : set.defaultServices) ?? {})) {
      const path = `backendSets.${setName}.${key}.${name}`;
      const other = added.get(name);
      if (Object.hasOwn(explicit, name)) {
        issues.push({ path, message: `clashes with backends.${name}; rename the service or the backend` });
      } else if (other) {
        issues.push({
          path,
          message: `also a service of backendSets.${other.set}; service names must be unique`,
        });
      } else {
        const route = service.model ? { backend: name, model: service.model } : name;
        added.set(name, { set: setName, backend: serviceBackend(set, name, service), route });
      }
    }
  }
  if (issues.length > 0) return issues;

  const backends: Record<string, unknown> = { ...explicit };
  const models: Record<string, unknown> = { ...routes };
  for (const [name, { backend, route }] of added) {
    backends[name] = backend;
    if (!Object.hasOwn(models, name)) models[name] = route;
  }
  tree.backends = backends;
  tree.routing = { ...routing, models };
  return [];
}
