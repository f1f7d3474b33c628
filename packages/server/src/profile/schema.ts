import { z } from 'zod';
import { docsSection } from './docs-section.js';
import { loggingSection } from './logging-section.js';
import { metricsSection } from './metrics-section.js';
import { pluginInstances, surfaceInstances } from './plugin-section.js';
import { resilienceSection } from './resilience-section.js';
import { routingSection } from './routing-section.js';
import { serverSection } from './server-section.js';
import { serviceSection } from './service-section.js';

/**
 * The whole profile. One schema per section, each in its own file; a new section is one more key
 * here. Unknown top-level sections pass through untyped until a feature claims them.
 */
export const profileSchema = z
  .looseObject({
    service: serviceSection,
    server: serverSection,
    logging: loggingSection,
    backends: pluginInstances,
    auth: pluginInstances,
    routing: routingSection,
    surfaces: surfaceInstances,
    resilience: resilienceSection,
    metrics: metricsSection,
    docs: docsSection,
  })
  .superRefine((profile, ctx) => {
    const backends = Object.keys(profile.backends);
    for (const [model, entry] of Object.entries(profile.routing.models)) {
      const targets =
        typeof entry === 'string' ? [{ backend: entry }] : Array.isArray(entry) ? entry : [entry];
      targets.forEach((target, index) => {
        if (profile.backends[target.backend]) return;
        const path: PropertyKey[] = ['routing', 'models', model];
        if (Array.isArray(entry)) path.push(index);
        if (typeof entry !== 'string') path.push('backend');
        ctx.addIssue({
          code: 'custom',
          path,
          message: `Unknown backend '${target.backend}' (configured: ${backends.join(', ') || 'none'})`,
        });
      });
    }
    const schemes = Object.keys(profile.auth);
    for (const [name, surface] of Object.entries(profile.surfaces)) {
      surface.auth.forEach((scheme, index) => {
        if (profile.auth[scheme]) return;
        ctx.addIssue({
          code: 'custom',
          path: ['surfaces', name, 'auth', index],
          message: `Unknown auth scheme '${scheme}' (configured: ${schemes.join(', ') || 'none'})`,
        });
      });
    }
  });

export type ProfileData = z.output<typeof profileSchema>;

/** A validated profile; `source` is the file it came from, for messages. */
export type Profile = ProfileData & { readonly source?: string };
