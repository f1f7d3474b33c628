import { z } from 'zod';
import { envBoolean } from './coerce.js';
import { surfaceRateLimitSection } from './rate-limit-section.js';

/** A backend, auth or surface instance name (also a service name of a backend set). */
export const instanceName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'Instance names use letters, digits, _ . -');

/** One configured plugin instance: which package, and the config block its own schema validates. */
export const pluginInstance = z.strictObject({
  /** Short name (`backend-openai` = `@llm-gateway/backend-openai`), package name, or a path. */
  plugin: z.string().min(1),
  config: z.unknown().optional(),
  /** `false` switches the instance off without removing it. */
  enabled: envBoolean(z.boolean().default(true)),
});

export const pluginInstances = z.record(instanceName, pluginInstance).prefault({});

export const surfaceInstance = pluginInstance.extend({
  /** Auth scheme instances, tried in order; `[]` means anonymous. */
  auth: z.array(z.string().min(1)).default([]),
  /**
   * When every listed scheme is disabled (e.g. no keys configured), serve anonymously instead of
   * refusing everyone; the server then binds 127.0.0.1 unless `server.host` says otherwise.
   */
  authOptional: envBoolean(z.boolean().default(false)),
  /** Lets auth schemes read credentials from the query string (EventSource clients cannot send headers). */
  allowQueryCredentials: envBoolean(z.boolean().default(false)),
  /** This surface's own rate limits over the top-level `rateLimit` (same store; its own buckets). */
  rateLimit: surfaceRateLimitSection.optional(),
  /** Path prefix for the surface's routes, e.g. `/openai`. */
  prefix: z
    .string()
    .default('')
    .refine((value) => value === '' || (value.startsWith('/') && !value.endsWith('/')), {
      message: "A prefix is '' or starts with '/' and does not end with '/'",
    }),
});

export const surfaceInstances = z.record(instanceName, surfaceInstance).prefault({});

export type PluginInstanceConfig = z.infer<typeof pluginInstance>;
export type SurfaceInstanceConfig = z.infer<typeof surfaceInstance>;
