import { z } from 'zod';
import { adminSection } from './admin-section.js';
import { backendSetsSection } from './backend-sets.js';
import { budgetsSection } from './budgets-section.js';
import { cacheSection } from './cache-section.js';
import { concurrencySection } from './concurrency-section.js';
import { closestMatch } from './did-you-mean.js';
import { docsSection } from './docs-section.js';
import { loggingSection } from './logging-section.js';
import { metricsSection } from './metrics-section.js';
import { pluginInstances, surfaceInstances } from './plugin-section.js';
import { pricingSection } from './pricing-section.js';
import { queueSection } from './queue-section.js';
import { rateLimitSection } from './rate-limit-section.js';
import { redisSection } from './redis-section.js';
import { resilienceSection } from './resilience-section.js';
import { entryTargets, routingSection } from './routing-section.js';
import { serverSection } from './server-section.js';
import { serviceSection } from './service-section.js';
import { streamingSection } from './streaming-section.js';
import { telemetrySection } from './telemetry-section.js';

/** `; did you mean 'openai'?` when a name is one typo away from a configured one. */
function didYouMean(name: string, configured: readonly string[]): string {
  const match = closestMatch(name, configured);
  return match === undefined ? '' : `; did you mean '${match}'?`;
}

/**
 * The whole profile. One schema per section, each in its own file; a new section is one more key
 * here. Every object is strict: an unknown section or key is an error that names the closest valid one.
 */
export const profileSchema = z
  .strictObject({
    service: serviceSection,
    server: serverSection,
    logging: loggingSection,
    backends: pluginInstances,
    /** Already expanded into `backends` and `routing.models` by the loader; kept for reference. */
    backendSets: backendSetsSection,
    auth: pluginInstances,
    routing: routingSection,
    surfaces: surfaceInstances,
    resilience: resilienceSection,
    redis: redisSection,
    cache: cacheSection,
    rateLimit: rateLimitSection,
    concurrency: concurrencySection,
    streaming: streamingSection,
    metrics: metricsSection,
    docs: docsSection,
    queue: queueSection,
    telemetry: telemetrySection,
    admin: adminSection,
    pricing: pricingSection,
    budgets: budgetsSection,
  })
  .superRefine((profile, ctx) => {
    const backends = Object.keys(profile.backends);
    for (const [model, entry] of Object.entries(profile.routing.models)) {
      entryTargets(entry).forEach((target, index) => {
        if (profile.backends[target.backend]) return;
        const path: PropertyKey[] = ['routing', 'models', model];
        if (typeof entry === 'object' && !Array.isArray(entry) && 'targets' in entry)
          path.push('targets', index);
        if (Array.isArray(entry)) path.push(index);
        if (typeof entry !== 'string') path.push('backend');
        ctx.addIssue({
          code: 'custom',
          path,
          message: `Unknown backend '${target.backend}' (configured: ${backends.join(', ') || 'none'})${didYouMean(target.backend, backends)}`,
        });
      });
    }
    for (const section of ['cache', 'rateLimit'] as const) {
      if (profile[section].store === 'redis' && !profile.redis.url) {
        ctx.addIssue({
          code: 'custom',
          path: [section, 'store'],
          message: 'The redis store needs redis.url (e.g. REDIS_URL)',
        });
      }
    }
    const schemes = Object.keys(profile.auth);
    for (const [name, surface] of Object.entries(profile.surfaces)) {
      surface.auth.forEach((scheme, index) => {
        if (profile.auth[scheme]) return;
        ctx.addIssue({
          code: 'custom',
          path: ['surfaces', name, 'auth', index],
          message: `Unknown auth scheme '${scheme}' (configured: ${schemes.join(', ') || 'none'})${didYouMean(scheme, schemes)}`,
        });
      });
    }
  });

export type ProfileData = z.output<typeof profileSchema>;

/**
 * A validated profile; `source` is the file it came from and `variables` the environment variables each
 * key path reads (`backends.openai.config.apiKey` -> OPENAI_API_KEY), both for messages.
 */
export type Profile = ProfileData & {
  readonly source?: string;
  readonly variables?: ReadonlyMap<string, readonly string[]>;
};
