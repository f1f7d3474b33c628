import { Worker } from 'node:worker_threads';

/** What the worker threads load: a model id found under `localModelPath`/`cacheDir`, or downloaded when allowed. */
export interface WorkerSetup {
  model: string;
  localModelPath?: string;
  cacheDir?: string;
  allowRemoteModels: boolean;
  dtype: string;
  /** A model for embeddings (a `feature-extraction` pipeline), loaded beside the text model. */
  embeddingModel?: string;
}

export interface GenerationInput {
  messages: { role: string; content: string }[];
  maxNewTokens: number;
  temperature: number;
  topP?: number;
  stop: string[];
}

export interface GenerationDone {
  promptTokens: number;
  completionTokens: number;
  /** The model ended the text itself (its end-of-text token), as opposed to the token limit or a stop. */
  endOfText: boolean;
}

/** Mean-pooled, normalized vectors, one per text, and the tokens the texts came to. */
export interface EmbeddingsDone {
  vectors: number[][];
  tokens: number;
}

/** One generation: text pieces go to `onText` as the model writes them; `stop()` ends it early. */
export interface Generation {
  done: Promise<GenerationDone>;
  stop(): void;
}

interface Job {
  id: number;
  /** What the worker gets: a generation or an embeddings request. */
  message: Record<string, unknown>;
  flag: Int32Array;
  /** Stopped from this side: text still on its way is dropped (the worker may raise `flag` itself). */
  stopped: boolean;
  onText(text: string): void;
  resolve(done: GenerationDone | EmbeddingsDone): void;
  reject(error: Error): void;
}

type WorkerMessage =
  | { type: 'ready'; loadMs: number }
  | { type: 'load-error'; message: string }
  | { type: 'text'; id: number; text: string }
  | ({ type: 'done'; id: number } & GenerationDone)
  | ({ type: 'embedded'; id: number } & EmbeddingsDone)
  | { type: 'error'; id: number; message: string };

// From src (tests) Node runs the TypeScript worker itself; built, the compiled one.
const workerFile = new URL(
  import.meta.url.endsWith('.ts') ? './generation-worker.ts' : './generation-worker.js',
  import.meta.url,
);

/** A fixed number of worker threads, one job each at a time; further jobs wait in order. */
export class WorkerPool {
  readonly loadMs: number[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(private readonly setup: WorkerSetup) {}

  /** Starts `size` workers and resolves once each has loaded the model; rejects with the library's reason. */
  static async start(setup: WorkerSetup, size: number): Promise<WorkerPool> {
    const pool = new WorkerPool(setup);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  generate(input: GenerationInput, onText: (text: string) => void): Generation {
    const job = this.enqueue({ type: 'generate', ...input }, onText);
    return {
      done: job.done as Promise<GenerationDone>,
      stop: () => {
        job.job.stopped = true;
        Atomics.store(job.job.flag, 0, 1);
        const queued = this.waiting.indexOf(job.job);
        // Never started: nothing was generated.
        if (queued >= 0) {
          this.waiting.splice(queued, 1);
          job.job.resolve({ promptTokens: 0, completionTokens: 0, endOfText: false });
        }
      },
    };
  }

  embed(texts: string[]): Promise<EmbeddingsDone> {
    return this.enqueue({ type: 'embed', texts }, () => {}).done as Promise<EmbeddingsDone>;
  }

  private enqueue(
    message: Record<string, unknown>,
    onText: (text: string) => void,
  ): { job: Job; done: Promise<GenerationDone | EmbeddingsDone> } {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    let job!: Job;
    const done = new Promise<GenerationDone | EmbeddingsDone>((resolve, reject) => {
      job = { id: this.nextId++, message, flag, stopped: false, onText, resolve, reject };
    });
    if (this.closed) job.reject(new Error('the local model is shut down'));
    else this.waiting.push(job);
    this.dispatch();
    return { job, done };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error('the local model is shut down'));
    const workers = [...this.idle, ...this.running.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerFile, { workerData: this.setup });
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.loadMs.push(message.loadMs);
          this.idle.push(worker);
          this.dispatch();
          resolve();
        } else if (message.type === 'load-error') {
          void worker.terminate();
          reject(new Error(message.message));
        } else this.onJobMessage(worker, message);
      });
      worker.on('error', (error) => {
        reject(error);
        this.fail(worker, error);
      });
      worker.on('exit', () => this.fail(worker, new Error('the model worker exited')));
    });
  }

  private onJobMessage(
    worker: Worker,
    message: Exclude<WorkerMessage, { type: 'ready' | 'load-error' }>,
  ): void {
    const job = this.running.get(worker);
    if (job === undefined || job.id !== message.id) return;
    if (message.type === 'text') {
      if (!job.stopped) job.onText(message.text);
      return;
    }
    this.running.delete(worker);
    this.idle.push(worker);
    if (message.type === 'done' || message.type === 'embedded') job.resolve(message);
    else job.reject(new Error(message.message));
    this.dispatch();
  }

  /** A worker that crashed or exited: its job fails, and a fresh worker takes its place. */
  private fail(worker: Worker, error: Error): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    const idle = this.idle.indexOf(worker);
    if (idle >= 0) this.idle.splice(idle, 1);
    job?.reject(error);
    if (job !== undefined && !this.closed) this.spawn().catch(() => {});
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const worker = this.idle.shift()!;
      const job = this.waiting.shift()!;
      this.running.set(worker, job);
      worker.postMessage({ ...job.message, id: job.id, abort: job.flag.buffer });
    }
  }
}
