import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthInput, AuthScheme, Principal } from './auth.js';
import type { Pipeline, RequestContext } from './pipeline.js';
import type { PluginDefinition, PluginHost } from './plugin.js';
import type { TaskQueue } from './queue.js';
import type { SharedStore } from './shared-store.js';
import type { TelemetryRecord, TelemetryStatus } from './telemetry.js';

/** Authenticates with the surface's configured schemes, in order; throws GatewayError on failure. */
export type Authenticator = (input: Omit<AuthInput, 'allowQueryCredentials'>) => Promise<Principal>;

export interface SurfaceHost extends PluginHost {
  pipeline: Pipeline;
  /** The schemes this surface was given in the profile, composed in order. */
  authenticate: Authenticator;
  /** The same schemes, for surfaces that need their extra operations (issue tokens, reload). */
  authSchemes: readonly AuthScheme[];
  /** Present when the profile configures async mode. */
  queue?: TaskQueue;
  /** Present when the profile has `redis.url`: state every instance must see; absent, a surface keeps it in memory. */
  sharedStore?: SharedStore;
  /** Sends a custom telemetry record to the sinks (dgen-ping's POST /telemetry). */
  emitTelemetry(record: TelemetryRecord): void;
  /** The telemetry path's state (store in use, counts), for info endpoints. */
  telemetryStatus?(): TelemetryStatus;
  /** Whether this caller may see detailed status on info endpoints (the profile's admin.protectDetails). */
  showsDetails?(request: FastifyRequest): boolean;
  /**
   * Builds the pipeline context of a request: its id, a signal that fires when the client
   * disconnects, the request's logger and the annotations that become its telemetry record.
   * Calling it twice for one request returns the same context (principal/endpoint updated).
   */
  createContext(request: FastifyRequest, options: { endpoint: string; principal: Principal }): RequestContext;
  /** Service facts for info endpoints. */
  service: { name: string; version: string };
}

/**
 * A surface translates one wire format to and from the pipeline. `register` runs inside its own
 * encapsulated Fastify context, so its error handler and hooks touch only its own routes.
 */
export interface Surface {
  readonly name: string;
  register(app: FastifyInstance): Promise<void>;
}

export type SurfacePlugin<Config = unknown> = PluginDefinition<'surface', Config, Surface, SurfaceHost>;

export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
