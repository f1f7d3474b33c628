import type { Profile } from '../profile/schema.js';
import { resolveStore } from '../profile/store-field.js';

/**
 * What each of several gateway processes keeps for itself with this profile, so limits and states
 * that look host-wide are really per worker; empty when Redis shares everything that can be shared.
 */
export function perWorkerState(profile: Profile): string[] {
  const { rateLimit, cache, resilience, concurrency, server } = profile;
  const url = profile.redis.url;
  const notes: string[] = [];
  if (rateLimit.enabled && resolveStore(rateLimit.store, url) === 'memory')
    notes.push('rate limits (set rateLimit.store: redis and redis.url to share them)');
  if (server.authFailures.enabled && !(rateLimit.enabled && resolveStore(rateLimit.store, url) === 'redis'))
    notes.push('the failed-login throttle (shared on the rate limits’ Redis)');
  if (cache.enabled && resolveStore(cache.store, url) === 'memory')
    notes.push('the response cache (set cache.store: redis to share it)');
  if (resilience.circuitBreaker.enabled) notes.push('circuit breakers (each worker opens its own)');
  if (concurrency.maxConcurrent > 0)
    notes.push(`concurrency.maxConcurrent (${concurrency.maxConcurrent} per worker)`);
  notes.push('the JSON form of /metrics (the Prometheus form adds up every worker)');
  return notes;
}
