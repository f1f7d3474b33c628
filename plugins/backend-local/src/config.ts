import { blankSetting, flagSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

const count = (fallback: number) =>
  z.preprocess(blankSetting, z.coerce.number().int().positive().default(fallback));

export const configSchema = z.strictObject({
  /** The seed's MODEL_BACKEND: this instance runs only when it says `transformers` (absent: it runs). */
  modelBackend: z.preprocess(blankSetting, z.string().default('transformers')),
  /** A Hugging Face model id (`gpt2`), looked up as `<modelPath>/<model>` or in the library's cache. */
  model: z.preprocess(blankSetting, z.string().min(1).default('gpt2')),
  /** Transformers.js `env.localModelPath`: the directory holding `<model>/config.json`, `<model>/onnx/…` (default ./models). */
  modelPath: z.preprocess(blankSetting, z.string().min(1).default('models')),
  /** A model for `/v1/embeddings` (feature-extraction, mean-pooled and normalized), found as `model` is. */
  embeddingModel: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** Transformers.js `env.cacheDir`, where downloaded models are kept. */
  cacheDir: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** Download a missing model from the Hugging Face hub (off: a missing model stops the start). */
  allowRemoteModels: z.preprocess(flagSetting, z.boolean().default(false)),
  /** ONNX weights to load: `fp32` is `onnx/model.onnx`, `q8` `onnx/model_quantized.onnx`, and so on. */
  dtype: z.preprocess(
    blankSetting,
    z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16']).default('fp32'),
  ),
  /** Worker threads, each with its own copy of the model: how many generations run at once. */
  workers: count(1),
  /** max_tokens when the request sets none (the seed's MAX_NEW_TOKENS). */
  defaultMaxTokens: count(512),
  /** temperature when the request sets none (the seed's TEMPERATURE); 0 is greedy. */
  defaultTemperature: z.preprocess(blankSetting, z.coerce.number().min(0).max(2).default(0.7)),
});

export type LocalBackendConfig = z.infer<typeof configSchema>;
