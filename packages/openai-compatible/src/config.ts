/** Config fields shared by the backend plugins; values may arrive as strings from `${ENV:-}` interpolation. */
import { z } from 'zod';

const blankAsUndefined = (value: unknown) => (value === '' || value === null ? undefined : value);

/** A string where '' (an unset `${VAR:-}`) counts as absent. */
export const optionalStringField = () => z.preprocess(blankAsUndefined, z.string().optional());

/** A positive whole number that may be written as a string. */
export const optionalPositiveIntField = () =>
  z.preprocess(blankAsUndefined, z.coerce.number().int().positive().optional());

/** A model list: a YAML list, or a comma-separated string from one env variable; blank means the defaults. */
export const modelsField = (defaults: readonly string[]) =>
  z.preprocess(
    (value) => {
      if (typeof value !== 'string') return blankAsUndefined(value);
      const list = value
        .split(',')
        .map((model) => model.trim())
        .filter(Boolean);
      return list.length > 0 ? list : undefined;
    },
    z.array(z.string().min(1)).default([...defaults]),
  );

/** `apiKey`, `baseURL`, `models`, `timeoutMs`: the config of an OpenAI-compatible backend; other keys are typos. */
export function openAICompatibleConfigSchema(defaultModels: readonly string[]) {
  return z.strictObject({
    apiKey: optionalStringField(),
    baseURL: optionalStringField(),
    models: modelsField(defaultModels),
    timeoutMs: optionalPositiveIntField(),
  });
}

export type OpenAICompatibleConfig = z.infer<ReturnType<typeof openAICompatibleConfigSchema>>;
