export { cacheKey, canonicalJson, normalizeForCache } from './cache-key.js';
export { MemoryCache, type MemoryCacheOptions } from './memory-cache.js';
export { RedisCache, type RedisCacheOptions } from './redis-cache.js';
export { createRedisConnection, OutageLog, type RedisConnectionOptions } from './redis-client.js';
export { replayAsStream, splitForReplay } from './replay.js';
export {
  type CachedResponse,
  DEFAULT_CACHE_TTL_SECONDS,
  isCacheable,
  parseCachedResponse,
  type ResponseCache,
  toCachedResponse,
} from './response-cache.js';
