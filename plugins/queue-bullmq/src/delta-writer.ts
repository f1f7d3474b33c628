import type { Logger } from '@llm-gateway/spec';
import type { Redis } from 'ioredis';

/** Publishes the status (when given), then appends the text, renews the key's TTL and publishes the delta. */
const PROGRESS_LUA = `
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
if ARGV[3] ~= '' then
  redis.call('APPEND', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('PUBLISH', ARGV[1], ARGV[4])
end`;

type ProgressCommand = (
  textKey: string,
  channel: string,
  status: string,
  text: string,
  event: string,
  ttlMs: number,
) => Promise<unknown>;

/** Defines the one-round-trip progress script on a connection (once). */
export function progressCommand(redis: Redis): ProgressCommand {
  const named = redis as unknown as { llmgwTaskProgress?: ProgressCommand };
  if (!named.llmgwTaskProgress)
    redis.defineCommand('llmgwTaskProgress', { numberOfKeys: 1, lua: PROGRESS_LUA });
  return named.llmgwTaskProgress!.bind(redis);
}

const STATUS_EVENT = JSON.stringify({ type: 'status', status: 'processing' });

/**
 * A run's progress, written behind: the `processing` status and the text generated so far go to Redis
 * (stored and published, one script call) at most once per `intervalMs`, so a fast task costs no
 * progress writes at all; subscribers take the tail they missed from the final result. Text a previous
 * run of the task already stored (`prior` characters) is not stored or sent again.
 */
export function deltaWriter(options: {
  redis: Redis;
  textKey: string;
  channel: string;
  prior: number;
  ttlMs: number;
  intervalMs: number;
  log: Logger;
}) {
  const { textKey, channel, prior, ttlMs, intervalMs } = options;
  const progress = progressCommand(options.redis);
  let generated = 0;
  let stored = prior;
  let pending = '';
  let statusSent = false;
  let writing: Promise<void> | undefined;
  let stopped = false;

  async function flush(): Promise<void> {
    const text = pending;
    pending = '';
    const status = statusSent ? '' : STATUS_EVENT;
    statusSent = true;
    if (!text && !status) return;
    stored += text.length;
    const event = text ? JSON.stringify({ type: 'delta', text, end: stored }) : '';
    try {
      await progress(textKey, channel, status, text, event, ttlMs);
    } catch (error) {
      // Live viewers miss this part; the task's result still carries the whole text.
      options.log.warn({ err: error }, 'could not store a task delta');
    }
  }

  const tick = () => {
    if (stopped || writing) return;
    writing = flush().finally(() => {
      writing = undefined;
    });
  };
  const timer = setInterval(tick, intervalMs);

  return {
    write(text: string): void {
      const start = generated;
      generated += text.length;
      if (generated <= prior) return;
      pending += start >= prior ? text : text.slice(prior - start);
    },
    /** Stops writing; the text not written yet is dropped (the result carries it). */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await writing;
    },
    /** Stops after writing everything written so far (for a run that ends without a result text). */
    async flushAndStop(): Promise<void> {
      await this.stop();
      if (pending) await flush();
    },
  };
}
