import type { Logger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';

/**
 * Appends a run's text to its Redis key and publishes it, one write in flight at a time: deltas that
 * arrive meanwhile go out together in the next write, so a fast upstream costs few round trips.
 * Text a previous run of the task already stored (`prior` characters) is not stored or sent again.
 */
export function deltaWriter(options: {
  redis: Redis;
  textKey: string;
  channel: string;
  prior: number;
  ttlMs: number;
  log: Logger;
}) {
  const { redis, textKey, channel, prior, ttlMs } = options;
  let generated = 0;
  let stored = prior;
  let pending = '';
  let writing: Promise<void> | undefined;

  async function drain(): Promise<void> {
    while (pending) {
      const text = pending;
      pending = '';
      stored += text.length;
      const event = JSON.stringify({ type: 'delta', text, end: stored });
      try {
        await redis.multi().append(textKey, text).pexpire(textKey, ttlMs).publish(channel, event).exec();
      } catch (error) {
        // Live viewers miss this part; the task's result still carries the whole text.
        options.log.warn({ err: error }, 'could not store a task delta');
      }
    }
    writing = undefined;
  }

  return {
    write(text: string): void {
      const start = generated;
      generated += text.length;
      if (generated <= prior) return;
      pending += start >= prior ? text : text.slice(prior - start);
      writing ??= drain();
    },
    /** Resolves once every delta written so far is stored. */
    flushed(): Promise<void> {
      return writing ?? Promise.resolve();
    },
  };
}
