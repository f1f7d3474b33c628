import { resolve } from 'node:path';
import { type BackendPlugin, disabled } from '@llm-gateway/spec';
import { createLocalBackend } from './backend.js';
import { configSchema, type LocalBackendConfig } from './config.js';
import { missingModelError } from './model-source.js';
import { WorkerPool } from './worker-pool.js';

export { configSchema, type LocalBackendConfig } from './config.js';

const plugin: BackendPlugin<LocalBackendConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'backend-local',
  description: 'A model run inside the gateway (worker threads) through Transformers.js and ONNX Runtime.',
  configSchema,
  async create(config, host) {
    if (config.modelBackend !== 'transformers')
      return disabled(`MODEL_BACKEND is '${config.modelBackend}', not transformers`);
    const source = {
      model: config.model,
      allowRemoteModels: config.allowRemoteModels,
      localModelPath: resolve(config.modelPath),
      ...(config.cacheDir !== undefined ? { cacheDir: resolve(config.cacheDir) } : {}),
    };
    const embeddingModel = config.embeddingModel;
    const missing =
      missingModelError(source) ??
      (embeddingModel === undefined ? undefined : missingModelError({ ...source, model: embeddingModel }));
    if (missing) throw missing;
    const setup = { ...source, dtype: config.dtype, ...(embeddingModel ? { embeddingModel } : {}) };
    const pool = await WorkerPool.start(setup, config.workers).catch((error: Error) => {
      throw new Error(`local model '${config.model}' failed to load: ${error.message}`);
    });
    host.log.info(
      { model: config.model, workers: config.workers, loadMs: Math.round(Math.max(...pool.loadMs)) },
      'local model loaded',
    );
    return createLocalBackend({
      name: host.instanceName,
      model: config.model,
      ...(embeddingModel ? { embeddingModel } : {}),
      pool,
      defaultMaxTokens: config.defaultMaxTokens,
      defaultTemperature: config.defaultTemperature,
    });
  },
};

export default plugin;
