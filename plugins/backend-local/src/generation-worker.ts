// A worker thread that owns one copy of the model: generation never runs on the gateway's event loop.
// Self-contained (package imports only) so Node runs it from src (type stripping) as well as from dist.
import { parentPort, workerData } from 'node:worker_threads';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  type FeatureExtractionPipeline,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  pipeline,
  StoppingCriteria,
  type Tensor,
  TextStreamer,
} from '@huggingface/transformers';

interface WorkerSetup {
  model: string;
  localModelPath?: string;
  cacheDir?: string;
  allowRemoteModels: boolean;
  dtype: string;
  embeddingModel?: string;
}

interface GenerateJob {
  type: 'generate';
  id: number;
  messages: { role: string; content: string }[];
  maxNewTokens: number;
  temperature: number;
  topP?: number;
  stop: string[];
  /** Int32 cell set to 1 by the main thread: the client went away or a stop sequence appeared. */
  abort: SharedArrayBuffer;
}

interface EmbedJob {
  type: 'embed';
  id: number;
  texts: string[];
}

/** Stops generation once the main thread raises the job's shared flag. */
class SharedFlagCriteria extends StoppingCriteria {
  readonly flag: Int32Array;
  constructor(flag: Int32Array) {
    super();
    this.flag = flag;
  }
  override _call(inputIds: number[][]): boolean[] {
    const stop = Atomics.load(this.flag, 0) === 1;
    return inputIds.map(() => stop);
  }
}

const setup = workerData as WorkerSetup;
env.allowRemoteModels = setup.allowRemoteModels;
env.allowLocalModels = true;
if (setup.localModelPath !== undefined) env.localModelPath = setup.localModelPath;
if (setup.cacheDir !== undefined) env.cacheDir = setup.cacheDir;

function prompt(tokenizer: PreTrainedTokenizer, messages: GenerateJob['messages']): string {
  if (tokenizer.chat_template)
    return tokenizer.apply_chat_template(messages, {
      tokenize: false,
      add_generation_prompt: true,
    }) as string;
  // A base model (gpt2) continues text: a lone user turn is the prompt as it is.
  if (messages.length === 1 && messages[0]!.role === 'user') return messages[0]!.content;
  return `${messages.map((m) => `${m.role[0]!.toUpperCase()}${m.role.slice(1)}: ${m.content}`).join('\n')}\nAssistant:`;
}

async function generate(
  tokenizer: PreTrainedTokenizer,
  model: PreTrainedModel,
  job: GenerateJob,
): Promise<void> {
  const inputs = tokenizer(prompt(tokenizer, job.messages));
  const promptTokens = (inputs.input_ids as Tensor).dims.at(-1) ?? 0;
  const flag = new Int32Array(job.abort);
  const generated: bigint[] = [];
  const streamer = new TextStreamer(tokenizer, {
    skip_prompt: true,
    skip_special_tokens: true,
    callback_function: (text: string) => parentPort!.postMessage({ type: 'text', id: job.id, text }),
    // The streamer releases whole words; a stop sequence is looked for after every token, here, so the
    // model stops at once (the main thread cuts the text it releases).
    token_callback_function: (tokens: bigint[]) => {
      if (job.stop.length === 0) return;
      generated.push(...tokens);
      const text = tokenizer.decode(generated, { skip_special_tokens: true });
      if (job.stop.some((stop) => text.includes(stop))) Atomics.store(flag, 0, 1);
    },
  });
  const sampling = job.temperature > 0;
  const output = (await model.generate({
    ...inputs,
    max_new_tokens: job.maxNewTokens,
    do_sample: sampling,
    ...(sampling ? { temperature: job.temperature, top_p: job.topP ?? 1 } : {}),
    streamer,
    stopping_criteria: [new SharedFlagCriteria(flag)],
  })) as Tensor;
  const completionTokens = (output.dims.at(-1) ?? promptTokens) - promptTokens;
  const lastId = Number((output.tolist() as bigint[][])[0]!.at(-1));
  const eos = ([] as unknown[]).concat(model.generation_config?.eos_token_id ?? []).map(Number);
  parentPort!.postMessage({
    type: 'done',
    id: job.id,
    promptTokens,
    completionTokens,
    endOfText: completionTokens > 0 && eos.includes(lastId),
  });
}

// One text at a time: base models' tokenizers (gpt2) have no padding token to batch with.
async function embed(extractor: FeatureExtractionPipeline, job: EmbedJob): Promise<void> {
  const vectors: number[][] = [];
  let tokens = 0;
  for (const text of job.texts) {
    tokens += extractor.tokenizer.encode(text).length;
    const output = await extractor(text, { pooling: 'mean', normalize: true });
    vectors.push(Array.from(output.data as Float32Array));
  }
  parentPort!.postMessage({ type: 'embedded', id: job.id, vectors, tokens });
}

async function main(): Promise<void> {
  const started = performance.now();
  const tokenizer = await AutoTokenizer.from_pretrained(setup.model);
  const model = await AutoModelForCausalLM.from_pretrained(setup.model, {
    dtype: setup.dtype as 'fp32',
    device: 'cpu',
  });
  const extractor =
    setup.embeddingModel === undefined
      ? undefined
      : ((await pipeline('feature-extraction', setup.embeddingModel, {
          dtype: setup.dtype as 'fp32',
          device: 'cpu',
        })) as FeatureExtractionPipeline);
  parentPort!.postMessage({ type: 'ready', loadMs: performance.now() - started });
  // One job at a time per worker: the pool only hands a worker its next job after `done` or `error`.
  parentPort!.on('message', (job: GenerateJob | EmbedJob) => {
    const work =
      job.type === 'generate'
        ? generate(tokenizer, model, job)
        : extractor
          ? embed(extractor, job)
          : Promise.reject(new Error('no embedding model is configured'));
    work.catch((error: unknown) =>
      parentPort!.postMessage({
        type: 'error',
        id: job.id,
        message: String((error as Error)?.message ?? error),
      }),
    );
  });
}

main().catch((error: unknown) =>
  parentPort!.postMessage({ type: 'load-error', message: String((error as Error)?.message ?? error) }),
);
