import { z } from 'zod';

/** Where a feature keeps its state: `auto` is Redis when `redis.url` is set, memory otherwise. */
export const storeField = () =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z.enum(['auto', 'memory', 'redis']).default('auto'),
  );

export type StoreChoice = 'auto' | 'memory' | 'redis';

/** The store a feature really uses. */
export function resolveStore(choice: StoreChoice, redisUrl: string | undefined): 'memory' | 'redis' {
  if (choice === 'auto') return redisUrl ? 'redis' : 'memory';
  return choice;
}
