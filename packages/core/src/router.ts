import { type Backend, GatewayError } from '@llm-gateway/spec';

/** One place a model can be served: a backend instance and the model id it receives. */
export interface RouteTarget {
  backend: string;
  /** Upstream model id; defaults to the routing key (or the requested name). */
  model?: string;
  /** Relative weight for load spreading; read by a later stage, ignored by the router. */
  weight?: number;
}

/** `routing` section of a profile. */
export interface RoutingConfig {
  defaultModel?: string;
  /** Model name -> backend instance name, one target, or an ordered fallback chain. */
  models: Record<string, string | RouteTarget | RouteTarget[]>;
}

/** A target after resolution: the backend is enabled and the model id is final. */
export interface ResolvedTarget {
  backend: string;
  model: string;
  weight?: number;
}

export interface Route {
  /** The model name the client asked for, after the default was applied. */
  requestedModel: string;
  /** Enabled targets in order; never empty. */
  targets: ResolvedTarget[];
}

export interface RouterOptions {
  backends: ReadonlyMap<string, Backend>;
  routing: RoutingConfig;
  /** Backend instances the profile names but that are switched off, with the reason (for error messages). */
  disabledBackends?: ReadonlyMap<string, string>;
  /** How long a backend's `models()` answer is reused for lookups by plain model id. */
  modelsTtlMs?: number;
}

/** Normalizes one routing entry into an ordered list of targets with explicit model ids. */
export function normalizeRouteEntry(
  key: string,
  entry: string | RouteTarget | RouteTarget[],
): ResolvedTarget[] {
  const list = typeof entry === 'string' ? [{ backend: entry }] : Array.isArray(entry) ? entry : [entry];
  return list.map((target) => ({
    backend: target.backend,
    model: target.model ?? key,
    ...(target.weight === undefined ? {} : { weight: target.weight }),
  }));
}

export class Router {
  readonly defaultModel: string | undefined;
  private readonly backends: ReadonlyMap<string, Backend>;
  private readonly disabled: ReadonlyMap<string, string>;
  private readonly table: Map<string, ResolvedTarget[]>;
  private readonly modelsTtlMs: number;
  private readonly modelCache = new Map<string, { at: number; models: Promise<Set<string>> }>();

  constructor(options: RouterOptions) {
    this.backends = options.backends;
    this.disabled = options.disabledBackends ?? new Map();
    this.defaultModel = options.routing.defaultModel || undefined;
    this.modelsTtlMs = options.modelsTtlMs ?? 60_000;
    this.table = new Map(
      Object.entries(options.routing.models).map(([key, entry]) => [key, normalizeRouteEntry(key, entry)]),
    );
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

    // 1. An exact routing entry wins, so ids containing '/' (OpenRouter style) pass through unchanged.
    const entry = this.table.get(name);
    if (entry) return { requestedModel: name, targets: this.enabledTargets(name, entry) };

    // 2. `<backend>/<model>` addresses a configured backend instance directly.
    const slash = name.indexOf('/');
    if (slash > 0) {
      const backend = name.slice(0, slash);
      const model = name.slice(slash + 1);
      if (model && (this.backends.has(backend) || this.disabled.has(backend))) {
        return { requestedModel: name, targets: this.enabledTargets(name, [{ backend, model }]) };
      }
    }

    // 3. A backend that lists the model itself.
    for (const backend of this.backends.keys()) {
      const models = await this.backendModels(backend);
      if (models.has(name)) return { requestedModel: name, targets: [{ backend, model: name }] };
    }

    throw new GatewayError(
      'not_found',
      `The model '${name}' does not exist or is not served by this gateway`,
      {
        code: 'model_not_found',
        param: 'model',
      },
    );
  }

  private enabledTargets(name: string, targets: ResolvedTarget[]): ResolvedTarget[] {
    const enabled = targets.filter((target) => this.backends.has(target.backend));
    if (enabled.length > 0) return enabled;
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
