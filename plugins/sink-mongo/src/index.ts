import { disabled, type SinkPlugin } from '@llm-gateway/spec';
import { configSchema, type MongoSinkConfig } from './config.js';
import { createMongoSink } from './mongo-sink.js';

export type { MongoSinkConfig } from './config.js';
export { configSchema } from './config.js';
export { onlyDuplicates } from './duplicate-keys.js';
export { fromDocument, type TelemetryDocument, toDocument } from './telemetry-document.js';
// The bench folds synthetic records into rollup documents with the sink's own code (bench/usage-run.mjs).
export { markRollupStart, type RollupDocument, rollupWrites } from './usage-rollup.js';

const plugin: SinkPlugin<MongoSinkConfig> = {
  specificationVersion: 'v1',
  kind: 'sink',
  name: 'sink-mongo',
  description: 'Telemetry records in a MongoDB collection, `_id` = request id.',
  configSchema,
  async create(config, host) {
    const { uri } = config;
    if (uri === undefined) return disabled('no MongoDB URI configured');
    return createMongoSink({ ...config, uri }, host.instanceName, host.log);
  },
};

export default plugin;
