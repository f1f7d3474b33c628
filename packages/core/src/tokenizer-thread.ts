// The tokenizer thread (started by TokenizerWorker): loads the o200k_base ranks here, off the event loop
// of the gateway, and answers `{ jobs }` messages with one `{ id, tokens }` (or `{ id, error }`) per job.
import { parentPort } from 'node:worker_threads';
import type { CountJob, CountReply } from './tokenizer-worker.js';

type TokenCount = typeof import('./token-count.js');

// Tests run src/ under Node's type stripping, which keeps relative imports' .ts names: follow our own.
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const [{ BoundedTokenCounter }, lite, ranks] = await Promise.all([
  import(new URL(`./token-count${extension}`, import.meta.url).href) as Promise<TokenCount>,
  import('js-tiktoken/lite'),
  import('js-tiktoken/ranks/o200k_base'),
]);
const tokenizer = { encoder: new lite.Tiktoken(ranks.default), pattern: ranks.default.pat_str };

async function answer(job: CountJob): Promise<CountReply> {
  try {
    const counter = new BoundedTokenCounter(tokenizer, job.limits);
    for (const text of job.texts) await counter.add(text);
    counter.addUncounted(job.extrapolatedChars);
    return { id: job.id, tokens: counter.total() };
  } catch (error) {
    return { id: job.id, error: String(error) };
  }
}

// Jobs run side by side (the counter yields every few KB), so a long text does not hold up short ones.
parentPort?.on('message', ({ jobs }: { jobs: CountJob[] }) => {
  for (const job of jobs) void answer(job).then((reply) => parentPort?.postMessage(reply));
});
