import { Worker } from 'node:worker_threads';
import { estimateTokens, exactParts, type TokenCountLimits } from './token-count.js';

/** One count asked of the tokenizer thread: the exact parts of some texts and the characters cut off. */
export interface CountJob {
  id: number;
  texts: string[];
  extrapolatedChars: number;
  limits: TokenCountLimits;
}

export type CountReply = { id: number; tokens: number } | { id: number; error: string };

export interface TokenizerWorkerOptions {
  /** The thread's entry file (default: tokenizer-thread beside this module, .js in dist, .ts in src). */
  url?: URL;
  /** A count not answered within this long marks the thread broken (it includes loading the ranks). */
  timeoutMs?: number;
  /** After a failure, counts are estimated without starting a thread for this long. */
  retryAfterMs?: number;
  /** Told once per failure; counts then fall back to characters/4. */
  warn?: (message: string) => void;
  /** The thread (~145 MiB of RSS) is stopped after this long without counts; the next count starts it again. 0 = never. */
  idleStopMs?: number;
}

interface Pending {
  resolve: (tokens: number) => void;
  chars: number;
}

const defaultUrl = new URL(
  import.meta.url.endsWith('.ts') ? './tokenizer-thread.ts' : './tokenizer-thread.js',
  import.meta.url,
);

/** One tokenizer thread and the counts it still owes. */
class CountingThread {
  readonly pending = new Map<number, Pending>();
  private batch: CountJob[] = [];
  private readonly worker: Worker;
  private drained: (() => void) | undefined;

  constructor(
    url: URL,
    onFailure: (thread: CountingThread, reason: string) => void,
    warn: (message: string) => void,
  ) {
    // A small young generation: the ranks are long-lived, and V8's default adds ~55 MiB of RSS here.
    this.worker = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    // Never keeps the process alive: a gateway's server does, and a finished test must exit.
    this.worker.unref();
    this.worker.on('message', (reply: CountReply) => {
      if ('tokens' in reply) return this.settle(reply.id, reply.tokens);
      // One text the encoder choked on: that count is estimated, the thread serves on.
      warn(`tokenizer worker could not count a text (${reply.error}): estimated as characters/4`);
      this.settle(reply.id, estimateTokens(this.pending.get(reply.id)?.chars ?? 0));
    });
    this.worker.on('error', (error) => onFailure(this, error.message));
    this.worker.on('exit', (code) => onFailure(this, `exited with code ${code}`));
  }

  send(job: CountJob, pending: Pending): void {
    this.pending.set(job.id, pending);
    this.batch.push(job);
    // Counts asked in the same turn of the event loop travel as one message.
    if (this.batch.length === 1) queueMicrotask(() => this.flush());
  }

  settle(id: number, tokens: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.resolve(tokens);
    if (this.pending.size === 0) this.drained?.();
  }

  /** Answers every count still owed with the characters/4 estimate. */
  estimateAll(): void {
    for (const [id, pending] of this.pending) this.settle(id, estimateTokens(pending.chars));
  }

  /** Resolves once every count owed is answered (each is bounded by the timeout). */
  async drain(): Promise<void> {
    if (this.pending.size === 0) return;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
    });
  }

  async terminate(): Promise<void> {
    this.worker.removeAllListeners();
    this.worker.on('error', () => {}); // a late error of a thread we are done with is no crash
    await this.worker.terminate().catch(() => {});
  }

  private flush(): void {
    const jobs = this.batch;
    this.batch = [];
    this.worker.postMessage({ jobs });
  }
}

/**
 * Counts tokens in a worker thread started on first use, so a process that never needs an estimate never
 * loads the ranks (68 MiB of heap) and one that does never stalls its event loop loading or encoding.
 * Every failure (load, crash, timeout) answers with the characters/4 estimate and a warning, never an error.
 * An idle thread is stopped (idleStopMs) so a gateway that estimated once does not keep the ranks for good.
 */
export class TokenizerWorker {
  private thread: CountingThread | undefined;
  private everStarted = false;
  private nextId = 0;
  private failedAt = Number.NEGATIVE_INFINITY;
  private lastCountAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly warn: (message: string) => void;
  private readonly idleStopMs: number;

  constructor(options: TokenizerWorkerOptions = {}) {
    this.url = options.url ?? defaultUrl;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retryAfterMs = options.retryAfterMs ?? 30_000;
    this.warn = options.warn ?? ((message) => process.emitWarning(message, { code: 'GATEWAY_TOKENIZER' }));
    this.idleStopMs = options.idleStopMs ?? 60_000;
  }

  /** True once a thread was started, i.e. once some count needed the encoder. */
  started(): boolean {
    return this.everStarted;
  }

  /** True while a thread is up (started and neither closed nor failed). */
  running(): boolean {
    return this.thread !== undefined;
  }

  /** Tokens of `texts` counted as one BoundedTokenCounter would; only their exact parts leave this thread. */
  count(texts: readonly string[], limits: TokenCountLimits): Promise<number> {
    const chars = texts.reduce((sum, text) => sum + text.length, 0);
    if (chars === 0) return Promise.resolve(0);
    if (Date.now() - this.failedAt < this.retryAfterMs) return Promise.resolve(estimateTokens(chars));
    let thread: CountingThread;
    try {
      thread = this.ensureThread();
    } catch (error) {
      this.failedAt = Date.now();
      this.warn(`tokenizer worker did not start (${error}): usage estimates fall back to characters/4`);
      return Promise.resolve(estimateTokens(chars));
    }
    this.lastCountAt = Date.now();
    const job: CountJob = { id: this.nextId++, ...exactParts(texts, limits.exactChars), limits };
    return new Promise<number>((resolve) => {
      const timer = setTimeout(
        () => this.fail(thread, `no count within ${this.timeoutMs} ms`),
        this.timeoutMs,
      );
      timer.unref();
      thread.send(job, {
        chars,
        resolve: (tokens) => {
          clearTimeout(timer);
          resolve(tokens);
        },
      });
    });
  }

  /** Lets the counts owed finish, then ends the thread; a later count starts a new one. */
  async close(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.thread = undefined;
    this.disarmIdleStop();
    await thread.drain();
    await thread.terminate();
  }

  private ensureThread(): CountingThread {
    if (this.thread) return this.thread;
    this.everStarted = true;
    this.thread = new CountingThread(this.url, (thread, reason) => this.fail(thread, reason), this.warn);
    this.armIdleStop(this.idleStopMs);
    return this.thread;
  }

  /** One timer per thread, moved on only when it fires: a count just stamps the time. */
  private armIdleStop(delayMs: number): void {
    if (this.idleStopMs <= 0) return;
    this.idleTimer = setTimeout(() => this.stopIfIdle(), delayMs);
    this.idleTimer.unref();
  }

  private disarmIdleStop(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private stopIfIdle(): void {
    this.idleTimer = undefined;
    const thread = this.thread;
    if (!thread) return;
    const idleFor = Date.now() - this.lastCountAt;
    if (idleFor < this.idleStopMs) this.armIdleStop(this.idleStopMs - idleFor);
    // Counts still owed (each bounded by timeoutMs): look again one period later.
    else if (thread.pending.size > 0) this.armIdleStop(this.idleStopMs);
    else void this.close();
  }

  private fail(thread: CountingThread, reason: string): void {
    if (this.thread === thread) {
      this.thread = undefined;
      this.disarmIdleStop();
      this.failedAt = Date.now();
      this.warn(`tokenizer worker failed (${reason}): usage estimates fall back to characters/4`);
    }
    thread.estimateAll();
    void thread.terminate();
  }
}
