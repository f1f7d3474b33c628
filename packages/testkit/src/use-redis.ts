import { afterAll, beforeAll } from 'vitest';
import { type RedisInstance, type RedisOptions, startRedis } from './redis.js';

/**
 * One real redis-server for a test file: started before its tests and stopped after them. Call at the
 * top of the file; read `url` (or `instance`) inside the tests.
 */
export function useRedis(options?: RedisOptions): { readonly url: string; readonly instance: RedisInstance } {
  let instance: RedisInstance | undefined;
  beforeAll(async () => {
    instance = await startRedis(options);
  });
  afterAll(async () => {
    await instance?.stop();
  });
  const started = () => {
    if (!instance) throw new Error('useRedis: read inside a test, after beforeAll');
    return instance;
  };
  return {
    get url() {
      return started().url;
    },
    get instance() {
      return started();
    },
  };
}
