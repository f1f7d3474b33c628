import { type Backend, GatewayError } from '@llm-gateway/spec';

/** One place a model can be served: a backend instance and the model id it receives. */
export interface RouteTarget {
  backend: string;
  /** Upstream model id; defaults to the routing key (or the requested name). */
  model?: string;
  /** Relative share among targets of equal priority (load balancing); default 1. */
  weight?: number;
  /** Targets sharing a priority share load by weight; lower priorities are tried first. */
  priority?: number;
}

export type RouteStrategy = 'fallback' | 'loadbalance';

/** A route with an explicit strategy: `fallback` tries targets in order, `loadbalance` spreads by weight. */
export interface RoutePlanEntry {
  strategy: RouteStrategy;
  targets: RouteTarget[];
}

export type RouteEntry = string | RouteTarget | RouteTarget[] | RoutePlanEntry;

/** `routing` section of a profile. */
export interface RoutingConfig {
  defaultModel?: string;
  /** Model name -> backend instance name, one target, an ordered fallback chain, or a plan. */
  models: Record<string, RouteEntry>;
}

/** A target after resolution: the backend is enabled and the model id is final. */
export interface ResolvedTarget {
  backend: string;
  model: string;
  weight?: number;
  priority?: number;
}

export interface Route {
  /** The model name the client asked for, after the default was applied. */
  requestedModel: string;
  /** How the execution orders the targets for each request. */
  strategy: RouteStrategy;
  /** Enabled targets in configured order; never empty. */
  targets: ResolvedTarget[];
}

export interface RouterOptions {
  backends: ReadonlyMap<string, Backend>;
  routing: RoutingConfig;
  /** Backend instances the profile names but that are switched off, with the reason (for error messages). */
  disabledBackends?: ReadonlyMap<string, string>;
  /** What to do when no backend at all is enabled (e.g. which variables enable which); turns every miss into that 503. */
  noBackendHint?: string;
  /** How long a backend's `models()` answer is reused for lookups by plain model id. */
  modelsTtlMs?: number;
}

function isPlan(entry: RouteEntry): entry is RoutePlanEntry {
  return typeof entry === 'object' && !Array.isArray(entry) && 'targets' in entry;
}

/** The strategy of a routing entry: plans name theirs, every other form is a fallback chain. */
export function routeStrategy(entry: RouteEntry): RouteStrategy {
  return isPlan(entry) ? entry.strategy : 'fallback';
}

// C0 controls, DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlChar = /[\u0000-\u001f\u007f-\u009f]/;

/** Normalizes one routing entry into an ordered list of targets with explicit model ids. */
export function normalizeRouteEntry(key: string, entry: RouteEntry): ResolvedTarget[] {
  const list =
    typeof entry === 'string'
      ? [{ backend: entry }]
      : Array.isArray(entry)
        ? entry
        : isPlan(entry)
          ? entry.targets
          : [entry];
  return list.map((target) => ({
    backend: target.backend,
    model: target.model ?? key,
    ...(target.weight === undefined ? {} : { weight: target.weight }),
    ...(target.priority === undefined ? {} : { priority: target.priority }),
  }));
}

export class Router {
  readonly defaultModel: string | undefined;
  private readonly backends: ReadonlyMap<string, Backend>;
  private readonly disabled: ReadonlyMap<string, string>;
  private readonly noBackendHint: string | undefined;
  private readonly table: Map<string, ResolvedTarget[]>;
  private readonly strategies: Map<string, RouteStrategy>;
  private readonly modelsTtlMs: number;
  private readonly modelCache = new Map<string, { at: number; models: Promise<Set<string>> }>();

  constructor(options: RouterOptions) {
    this.backends = options.backends;
    this.disabled = options.disabledBackends ?? new Map();
    this.noBackendHint = options.noBackendHint;
    this.defaultModel = options.routing.defaultModel || undefined;
    this.modelsTtlMs = options.modelsTtlMs ?? 60_000;
    const entries = Object.entries(options.routing.models);
    this.table = new Map(entries.map(([key, entry]) => [key, normalizeRouteEntry(key, entry)]));
    this.strategies = new Map(entries.map(([key, entry]) => [key, routeStrategy(entry)]));
  }

  /** Routing keys with their configured (unfiltered) targets, in profile order. */
  entries(): IterableIterator<[string, ResolvedTarget[]]> {
    return this.table.entries();
  }

  async resolve(requested: string | undefined): Promise<Route> {
    const name = requested?.trim() || this.defaultModel;
    if (!name) {
      throw new GatewayError(
        'invalid_request',
        'The request names no model and no default model is configured',
        {
          param: 'model',
          code: 'model_required',
        },
      );
    }

    // A control character (CR, LF, NUL) is never part of a model id, and would corrupt headers and logs.
    if (controlChar.test(name)) {
      throw new GatewayError('invalid_request', 'The model id contains control characters', {
        param: 'model',
        code: 'invalid_model',
      });
    }

    // 1. An exact routing entry wins, so ids containing '/' (OpenRouter style) pass through unchanged.
    const entry = this.table.get(name);
    if (entry) {
      const strategy = this.strategies.get(name) ?? 'fallback';
      return { requestedModel: name, strategy, targets: this.enabledTargets(name, entry) };
    }

    // 2. A backend that lists the full id itself: before the prefix form, so `deepseek/deepseek-v3.2`
    //    listed by a backend named `deepseek` reaches it unchanged.
    const slash = name.indexOf('/');
    const listed = await this.listedBy(name);
    if (listed) return listed;

    // 3. `<backend>/<model>` addresses a configured backend instance directly.
    if (slash > 0) {
      const backend = name.slice(0, slash);
      const model = name.slice(slash + 1);
      if (model && (this.backends.has(backend) || this.disabled.has(backend))) {
        return {
          requestedModel: name,
          strategy: 'fallback',
          targets: this.enabledTargets(name, [{ backend, model }]),
        };
      }
    }

    // With nothing enabled, "no such model" would mislead: the cause is the missing set-up.
    this.throwIfNoneEnabled(name);
    throw new GatewayError(
      'not_found',
      `The model '${name}' does not exist or is not served by this gateway`,
      {
        code: 'model_not_found',
        param: 'model',
      },
    );
  }

  private async listedBy(name: string): Promise<Route | undefined> {
    for (const backend of this.backends.keys()) {
      const models = await this.backendModels(backend);
      if (models.has(name)) {
        return { requestedModel: name, strategy: 'fallback', targets: [{ backend, model: name }] };
      }
    }
    return undefined;
  }

  private enabledTargets(name: string, targets: ResolvedTarget[]): ResolvedTarget[] {
    const enabled = targets.filter((target) => this.backends.has(target.backend));
    if (enabled.length > 0) return enabled;
    this.throwIfNoneEnabled(name);
    const reasons = targets.map((target) => {
      const reason = this.disabled.get(target.backend);
      return reason === undefined ? `${target.backend} is not configured` : `${target.backend} is disabled`;
    });
    throw new GatewayError(
      'unavailable',
      `No backend is available for model '${name}' (${reasons.join('; ')})`,
      {
        code: 'backend_unavailable',
      },
    );
  }

  private throwIfNoneEnabled(name: string): void {
    if (this.backends.size > 0 || this.noBackendHint === undefined) return;
    throw new GatewayError(
      'unavailable',
      `No backend is enabled, so model '${name}' cannot be served. ${this.noBackendHint}`,
      { code: 'backend_unavailable' },
    );
  }

  private backendModels(name: string): Promise<Set<string>> {
    const cached = this.modelCache.get(name);
    const now = Date.now();
    if (cached && now - cached.at < this.modelsTtlMs) return cached.models;
    const backend = this.backends.get(name)!;
    const models = backend.models().then(
      (list) => new Set(list),
      () => {
        // A failing listing must not stick: forget it so the next lookup asks again.
        this.modelCache.delete(name);
        return new Set<string>();
      },
    );
    this.modelCache.set(name, { at: now, models });
    return models;
  }
}
