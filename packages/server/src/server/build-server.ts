import {
  type Budgets,
  createMetrics,
  createPipeline,
  type GatewayMetrics,
  type GatewayPipeline,
} from '@llm-gateway/core';
import {
  type AuthScheme,
  type Backend,
  isDisabled,
  type Surface,
  type SurfaceHost,
  type TaskQueue,
  type TelemetryRecord,
  type TelemetrySink,
  type TelemetryStatus,
} from '@llm-gateway/spec';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { adminCheck, registerAdmin } from '../admin/index.js';
import { clusterMetricsText } from '../cluster/cluster-metrics.js';
import type { ManagedKeyStore } from '../keys/index.js';
import {
  type CreateInstanceOptions,
  createInstance,
  createInstances,
  type InstanceSummary,
} from '../plugins/create-instance.js';
import type { AnyPluginDefinition } from '../plugins/load-plugin.js';
import { PluginFaults } from '../plugins/plugin-faults.js';
import type { Profile } from '../profile/schema.js';
import { createSinks } from '../telemetry/create-sinks.js';
import {
  createTelemetryService,
  type TelemetryService,
  telemetryStatusOf,
} from '../telemetry/telemetry-service.js';
import { buildAuthThrottle, installAuthThrottle } from './auth-throttle.js';
import { buildBudgets } from './budgets.js';
import { installConnectionLimits } from './connection-limits.js';
import { registerDocs, registerOpenApiRoute } from './docs.js';
import { installErrorHandlers } from './errors.js';
import { fastifyTimeouts } from './fastify-timeouts.js';
import { type HealthContributor, registerHealthRoute } from './health-route.js';
import { installJsonDepthLimit } from './json-depth-guard.js';
import { logFilesOption } from './log-files.js';
import { LogRedaction } from './log-redaction.js';
import { createLogger } from './logger.js';
import { buildKeyStore } from './managed-keys.js';
import { registerMetricsRoute } from './metrics-route.js';
import { noBackendHint } from './no-backend-hint.js';
import { refuseLocalQueue, workerHealth, workerTelemetry } from './per-worker.js';
import { buildPipelineFeatures, type PipelineFeatures } from './pipeline-features.js';
import { pricingOptions } from './pricing.js';
import { registerProbes } from './probes.js';
import { readinessChecks } from './readiness-checks.js';
import { RequestLogController } from './request-log.js';
import { installRequestState, requestId } from './request-state.js';
import { buildSharedStore } from './shared-store.js';
import { featureHealth, seedMetricsJson } from './status-reports.js';
import { composeAuthenticator, createSurfaceHost } from './surface-host.js';
import { registerTaskMetrics } from './task-metrics.js';
import { createTaskQueue, queueHealth, type TaskActivity } from './task-queue.js';
import {
  createTelemetryEmitter,
  requestRecord,
  type TelemetryEmitter,
  unmatchedRecord,
} from './telemetry.js';
import {
  backendSystems,
  installTracing,
  startTracing,
  withAuthTracing,
  withPipelineTracing,
} from './tracing.js';

export interface BuildServerOptions {
  /** Log destination (default stdout); tests pass a stream to read the lines. */
  logStream?: DestinationStream;
  /** Where plugin packages are resolved from first (default the working directory). */
  cwd?: string;
  /** Plugin definitions by profile name, used instead of loading a package (embedding, tests). */
  plugins?: Readonly<Record<string, AnyPluginDefinition>>;
  /** Also receives every telemetry record (tests; sinks arrive with the telemetry feature). */
  onTelemetry?: (record: TelemetryRecord) => void;
  healthContributors?: HealthContributor[];
  /** The JSON form of `/metrics` (default: the DeepSeek gateway seed's body). */
  metricsJson?: () => Promise<unknown>;
  /** Tasks this process runs at once (default the profile's `queue.workers`); `gateway worker` sets it. */
  workers?: number;
  /** Which of server.workers gateway processes this is (1..N); absent when it runs alone. */
  clusterWorker?: number;
  /** Told when each task run of this process begins and ends (`gateway worker`'s idle memory release). */
  taskActivity?: TaskActivity;
}

export interface GatewayServer {
  app: FastifyInstance;
  pipeline: GatewayPipeline;
  metrics: GatewayMetrics;
  profile: Profile;
  log: PinoLogger;
  /** Every configured plugin instance and whether it is enabled. */
  instances: InstanceSummary[];
  telemetry: TelemetryEmitter;
  /** Surfaces that serve without credentials (the `auto` host binds 127.0.0.1 when there are any). */
  openSurfaces: string[];
  /** The async-mode task queue, when the profile configures one. */
  queue: TaskQueue | undefined;
  /** Stops accepting, lets in-flight requests finish (bounded by server.shutdownTimeoutMs), closes plugins. */
  close(): Promise<void>;
  /** Turns `/readyz` 503 (`draining`) and closes connections after their answers; still serves. */
  drain(): void;
}

/** JSON `/metrics` also reports the telemetry store in use and its counts (dgen-ping's did). */
function withTelemetry(json: () => Promise<unknown>, status: () => TelemetryStatus) {
  return async () => {
    const body = await json();
    return typeof body === 'object' && body !== null ? { ...body, telemetry: status() } : body;
  };
}

interface MountedSurface {
  name: string;
  prefix: string;
  surface: Surface;
  host: SurfaceHost;
}

/** Builds the Fastify app and every plugin a profile names, ready for `listen` or `inject`. */
export async function buildServer(
  profile: Profile,
  options: BuildServerOptions = {},
): Promise<GatewayServer> {
  // Filled with the auth schemes' credential names before the server serves.
  const redaction = new LogRedaction();
  const log = createLogger({
    level: profile.logging.level,
    buffer: { bytes: profile.logging.bufferBytes, flushIntervalMs: profile.logging.flushIntervalMs },
    redaction,
    ...(options.logStream ? { stream: options.logStream } : {}),
    ...logFilesOption(profile.logging),
  });
  const source = profile.source ?? '<profile>';
  const service = profile.service;
  const instanceOptions = (kind: string): CreateInstanceOptions => ({
    source,
    log: log.child({ component: kind }),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.plugins ? { preloaded: options.plugins } : {}),
    variables: profile.variables,
    worker: options.clusterWorker,
    faults,
  });

  const instances: InstanceSummary[] = [];
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    const results = await Promise.allSettled(closers.splice(0).map((close) => close()));
    for (const result of results) {
      if (result.status === 'rejected') log.warn({ err: result.reason }, 'closing a plugin failed');
    }
  };

  const metrics = createMetrics({ defaultMetrics: profile.metrics.defaultMetrics });
  // Faults escaping plugin code are logged and counted against their instance; the gateway keeps serving.
  const faults = new PluginFaults(metrics.registry, log.child({ component: 'plugins' }));
  const uninstallFaults = faults.install();
  closers.push(async () => uninstallFaults());
  const telemetryLog = log.child({ component: 'telemetry' });
  let telemetryService: TelemetryService | undefined;
  const telemetrySinks: TelemetrySink[] = [];
  const forward = (record: TelemetryRecord) => {
    telemetryService?.record(record);
    options.onTelemetry?.(record);
  };
  const hasSinks = Object.keys(profile.telemetry.sinks).length > 0;
  const telemetry = createTelemetryEmitter(
    telemetryLog,
    hasSinks || options.onTelemetry ? forward : undefined,
  );
  let pipeline: GatewayPipeline | undefined;
  let builtBudgets: Budgets | undefined;
  let keyStore: ManagedKeyStore | undefined;
  let features: PipelineFeatures | undefined;
  let shuttingDown = false;
  let app: FastifyInstance | undefined;
  let queue: TaskQueue | undefined;

  const telemetryStatus = () => telemetryStatusOf(telemetryService, telemetry.count);
  const openSurfaces: string[] = [];
  const isAdmin = adminCheck(profile.admin.keys);
  const showsDetails = (request: FastifyRequest) => !profile.admin.protectDetails || isAdmin(request);
  try {
    if (hasSinks) {
      const built = await createSinks(profile.telemetry, log, instanceOptions('telemetry'));
      instances.push(...built.summaries);
      // Every sink switched off (e.g. only a Mongo sink with a blank URI): records reach the debug log only.
      if (built.sinks.length === 0)
        telemetryLog.warn('every telemetry sink is switched off: records are not stored');
      else {
        const service = createTelemetryService(
          workerTelemetry(profile.telemetry, options.clusterWorker),
          built.sinks,
          metrics.registry,
          telemetryLog,
        );
        telemetryService = service;
        telemetrySinks.push(...built.sinks);
        closers.push(() => service.close());
      }
    }
    // Backends, then the pipeline over the enabled ones.
    const { enabled: backends, summaries: backendSummaries } = await createInstances<Backend>(
      'backends',
      'backend',
      profile.backends,
      log,
      instanceOptions('backends'),
    );
    instances.push(...backendSummaries);
    const disabledBackends = new Map(
      backendSummaries.flatMap((summary) => (summary.enabled ? [] : [[summary.name, summary.reason ?? '']])),
    );
    const unavailable = noBackendHint(instances);
    if (unavailable) log.warn(`no backend is enabled, so every model request gets a 503. ${unavailable}`);
    // OpenTelemetry only when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT).
    const tracing = startTracing(process.env, service);
    if (tracing) closers.push(() => tracing.shutdown());
    const pipelineLog = log.child({ component: 'pipeline' });
    features = buildPipelineFeatures(profile, pipelineLog);
    const builtFeatures = features;
    closers.push(() => builtFeatures.close());
    await features.ready();
    const budgets = buildBudgets(profile, features.redis, metrics, pipelineLog);
    closers.push(() => budgets.close());
    builtBudgets = budgets.options.budgets;
    const managedKeys = buildKeyStore(profile, features.redis);
    closers.push(() => managedKeys.close());
    keyStore = managedKeys.store;
    pipeline = createPipeline(
      withPipelineTracing(tracing, profile, {
        backends,
        disabledBackends,
        ...(unavailable ? { noBackendHint: unavailable } : {}),
        routing: profile.routing,
        log: pipelineLog,
        metrics,
        ...features.options,
        ...pricingOptions(profile, pipelineLog),
        ...budgets.options,
      }),
    );
    const builtPipeline = pipeline;
    closers.push(() => builtPipeline.close());
    // Surfaces keep cross-request state (stored Responses) in Redis when the profile has one.
    const shared = buildSharedStore(profile, features.redis);
    closers.push(() => shared.close());

    const queueLog = log.child({ component: 'queue' });
    const tasks = await createTaskQueue(profile, queueLog, instanceOptions('queue'), instances);
    if (tasks) {
      if (profile.server.workers > 1)
        await refuseLocalQueue(tasks.queue, tasks.plugin, profile.server.workers);
      const taskQueue = tasks.queue;
      queue = taskQueue;
      closers.push(() => taskQueue.close());
      const observe = registerTaskMetrics(metrics.registry, taskQueue);
      const slots = options.workers ?? profile.queue?.workers ?? 0;
      const worker = tasks.startWorkers(slots, pipeline, observe, options.taskActivity);
      // The worker's own connection is not the queue's to close: left open, it keeps the process alive.
      if (worker) closers.push(() => worker.close());
      // The queue's /health facts join the caller's contributors.
      const contributors = [...(options.healthContributors ?? []), queueHealth(taskQueue)];
      options = { ...options, healthContributors: contributors };
    }

    const { enabled: authSchemes, summaries: authSummaries } = await createInstances<AuthScheme>(
      'auth',
      'auth',
      profile.auth,
      log,
      { ...instanceOptions('auth'), managedKeys: keyStore },
    );
    instances.push(...authSummaries);
    for (const scheme of authSchemes.values()) {
      redaction.add(scheme.credentialNames);
      if (scheme.close) closers.push(() => scheme.close!());
    }

    const surfaces: MountedSurface[] = [];
    for (const [name, instance] of Object.entries(profile.surfaces)) {
      const schemes = instance.auth.flatMap((scheme) => authSchemes.get(scheme) ?? []);
      const anonymous = instance.auth.length === 0 || (schemes.length === 0 && instance.authOptional);
      if (anonymous) {
        openSurfaces.push(name);
        log.warn(`surface ${name}: no credentials required, anyone who can reach it may use it`);
      } else if (schemes.length === 0) {
        log.warn(`surface ${name}: every auth scheme it lists is disabled, so it refuses all requests`);
      }
      const surfaceHost: SurfaceHost = createSurfaceHost({
        instanceName: name,
        log: log.child({ surface: name }),
        pipeline,
        authenticate: withAuthTracing(
          tracing,
          composeAuthenticator({
            configured: anonymous ? [] : instance.auth,
            schemes,
            allowQueryCredentials: instance.allowQueryCredentials,
          }),
        ),
        authSchemes: schemes,
        ...(queue ? { queue } : {}),
        ...(shared.store ? { sharedStore: shared.store } : {}),
        emitTelemetry: (record) => telemetry.emit(record),
        telemetryStatus,
        showsDetails,
        service,
      });
      const created = await createInstance<Surface, SurfaceHost>(
        'surfaces',
        'surface',
        name,
        instance,
        surfaceHost,
        instanceOptions('surfaces'),
      );
      instances.push(created.summary);
      if (!isDisabled(created.value))
        surfaces.push({ name, prefix: instance.prefix, surface: created.value, host: surfaceHost });
    }

    app = Fastify({
      loggerInstance: log,
      logController: new RequestLogController(),
      genReqId: requestId,
      requestIdHeader: false,
      bodyLimit: profile.server.bodyLimit,
      trustProxy: profile.server.trustProxy,
      forceCloseConnections: 'idle',
      // Past the router's 100-character default it answers 414 in its own shape; ids are validated by each route.
      routerOptions: { maxParamLength: 1024 },
      ...fastifyTimeouts(profile.server),
      // Wire formats are strict: `"temperature": "1"` or `"model": ["x"]` is a 400, never coerced.
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    }) as unknown as FastifyInstance;
    const server = app;
    installConnectionLimits(server.server, profile.server);
    if (tracing) installTracing(server, tracing.tracer, backendSystems(profile));

    installRequestState(server, {
      // A disk spool keeps a record before its answer's last byte leaves, so a SIGKILL cannot split them.
      endBeforeLastByte: telemetryService?.durable === true,
      onStart: () => metrics.inflight.inc(),
      onEnd: (end) => {
        metrics.inflight.dec();
        const state = end.request.gateway;
        const surface = state.context?.surface ?? state.surface ?? 'gateway';
        const endpoint = state.context?.endpoint ?? end.request.routeOptions.url ?? 'unmatched';
        const status = String(end.completed ? end.reply.statusCode : 499);
        const backend = state.context ? (state.annotations.backend ?? 'none') : 'none';
        const labels = { surface, endpoint, backend, status };
        metrics.requests.inc(labels);
        metrics.requestDuration.observe(labels, end.durationMs / 1000);
        if (state.gatewayMs !== undefined)
          metrics.gatewayOverhead.observe({ surface, endpoint }, state.gatewayMs / 1000);
        // Built only when something reads it (a sink, debug logging).
        if (state.context) telemetry.emitLazily(() => requestRecord(end));
        // A path no route serves still gets its one record (a 404 is a rejection like any other).
        else if (end.request.routeOptions.url === undefined) telemetry.emitLazily(() => unmatchedRecord(end));
      },
    });
    installErrorHandlers(server);
    // Before the surfaces register, so every surface's scope inherits it whatever parser it installs.
    installJsonDepthLimit(server, profile.server.maxJsonDepth);
    // While shutting down, answers close their connection so keep-alive clients do not hold it open.
    // Callback style: an async hook would cost a promise on every answer for a flag read.
    server.addHook('onSend', (_request, reply, payload, done) => {
      if (shuttingDown) reply.header('connection', 'close');
      done(null, payload);
    });
    if (profile.docs.enabled) await registerDocs(server, { service, ...profile.docs });
    registerAdmin(server, profile.admin, isAdmin, telemetrySinks, builtBudgets, keyStore);

    registerHealthRoute(server, {
      service,
      pipeline,
      backends: Object.fromEntries(
        Object.keys(profile.backends).map((name) => [name, backends.has(name) ? 'enabled' : 'disabled']),
      ),
      showDetails: showsDetails,
      contributors: [
        featureHealth(pipeline, features),
        () => ({ fields: { telemetry: telemetryStatus() } }),
        ...(options.healthContributors ?? []),
        ...(options.clusterWorker === undefined ? [] : [workerHealth(options.clusterWorker)]),
      ],
    });
    registerProbes(server, { checks: readinessChecks(builtFeatures, queue), draining: () => shuttingDown });
    if (profile.metrics.enabled) {
      registerMetricsRoute(server, {
        registry: metrics.registry,
        ...(options.clusterWorker === undefined ? {} : { prometheus: clusterMetricsText(metrics.registry) }),
        defaultFormat: profile.metrics.defaultFormat,
        json: withTelemetry(options.metricsJson ?? seedMetricsJson(pipeline, features), telemetryStatus),
      });
    }

    const authThrottle = buildAuthThrottle(profile.server.authFailures, features, log);
    for (const { name, prefix, surface, host: surfaceHost } of surfaces) {
      // Each surface in its own encapsulated context: its error handler and hooks stay its own.
      await server.register(
        async (scope) => {
          scope.addHook('onRoute', (route) => {
            route.schema = { ...route.schema, tags: (route.schema?.tags as string[] | undefined) ?? [name] };
          });
          scope.addHook('onRequest', (request, _reply, done) => {
            request.gateway.surface = name;
            done();
          });
          if (authThrottle)
            installAuthThrottle(scope, authThrottle, surfaceHost, {
              schemes: surfaceHost.authSchemes,
              allowQueryCredentials: profile.surfaces[name]?.allowQueryCredentials ?? false,
            });
          await surface.register(scope);
        },
        { prefix },
      );
    }
    if (profile.docs.enabled) registerOpenApiRoute(server);
    await server.ready();
  } catch (error) {
    await app?.close().catch(() => {});
    await closeAll();
    throw error;
  }

  const server = app;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      // In-flight requests get shutdownTimeoutMs to finish; then their connections are cut.
      const deadline = setTimeout(
        () => server.server.closeAllConnections(),
        profile.server.shutdownTimeoutMs,
      );
      deadline.unref();
      try {
        await server.close();
      } finally {
        clearTimeout(deadline);
        // Records of the requests just finished are written before the sinks close.
        await telemetryService?.close(Date.now() + profile.server.shutdownTimeoutMs);
        await closeAll();
      }
    })();
    return closing;
  };

  const drain = () => {
    shuttingDown = true;
  };
  return {
    app: server,
    pipeline,
    metrics,
    profile,
    log,
    instances,
    telemetry,
    openSurfaces,
    queue,
    close,
    drain,
  };
}
