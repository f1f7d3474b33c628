import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ModelSource {
  model: string;
  /** Directories holding `<model>/config.json`: the configured model path, then the library's cache. */
  localModelPath?: string;
  cacheDir?: string;
  allowRemoteModels: boolean;
}

/**
 * Without downloads, a model that is in none of the places Transformers.js looks is a start-up error
 * naming the model and those places (the library's own message names only one file URL).
 */
export function missingModelError(source: ModelSource): Error | undefined {
  if (source.allowRemoteModels) return undefined;
  const places = [source.localModelPath, source.cacheDir].filter((dir): dir is string => dir !== undefined);
  if (places.some((dir) => existsSync(join(resolve(dir), source.model, 'config.json')))) return undefined;
  const where =
    places.length > 0 ? places.map((dir) => resolve(dir)).join(' and ') : 'no directory (none configured)';
  return new Error(
    `local model '${source.model}' not found: looked for ${source.model}/config.json in ${where}; ` +
      'set MODEL_PATH to the directory holding it (scripts/make-tiny-model.sh writes a test model), ' +
      'or allow downloads from the Hugging Face hub (ALLOW_REMOTE_MODELS=true)',
  );
}
