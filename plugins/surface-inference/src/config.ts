import { blankSetting, numberSetting } from '@llm-gateway/plugin-kit/fastapi-errors';
import { z } from '@llm-gateway/spec';

/** Model backends the seed names: `ollama`, and `transformers` (a model run in-process by backend-local). */
export const SUPPORTED_MODEL_BACKENDS = ['ollama', 'transformers'] as const;

export const configSchema = z.strictObject({
  /** MODEL_BACKEND, checked at start so a seed `.env` naming another backend fails clearly. */
  modelBackend: z.preprocess(
    blankSetting,
    z
      .string()
      .default('ollama')
      .superRefine((value, ctx) => {
        if ((SUPPORTED_MODEL_BACKENDS as readonly string[]).includes(value)) return;
        ctx.addIssue({
          code: 'custom',
          message:
            `MODEL_BACKEND '${value}' is not supported; supported backends: ${SUPPORTED_MODEL_BACKENDS.join(', ')} ` +
            '(ollama: set OLLAMA_HOST and OLLAMA_MODEL; transformers: set MODEL_NAME and MODEL_PATH)',
        });
      }),
  ),
  /** The model tasks run on (OLLAMA_MODEL); blank: the profile's `routing.defaultModel`. */
  model: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** MAX_NEW_TOKENS: `max_tokens` when the request leaves it out. */
  defaultMaxTokens: z.preprocess(numberSetting, z.number().int().positive().default(512)),
  /** TEMPERATURE: `temperature` when the request leaves it out. */
  defaultTemperature: z.preprocess(numberSetting, z.number().min(0).max(2).default(0.7)),
  defaultTopP: z.preprocess(numberSetting, z.number().min(0).max(1).default(0.9)),
  /** Seconds between SSE comment lines on a quiet stream, so proxies keep it open. */
  keepAliveSeconds: z.preprocess(numberSetting, z.number().positive().default(15)),
});

export type InferenceConfig = z.output<typeof configSchema>;
