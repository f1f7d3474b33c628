import type { SinkPlugin } from '@llm-gateway/spec';
import { type CsvSinkConfig, configSchema } from './config.js';
import { createCsvSink } from './csv-sink.js';

export type { CsvSinkConfig } from './config.js';
export { configSchema } from './config.js';
export { fromRow, neutralise, restore, toRow } from './csv-cells.js';
export { fileNameFor } from './csv-sink.js';

const plugin: SinkPlugin<CsvSinkConfig> = {
  specificationVersion: 'v1',
  kind: 'sink',
  name: 'sink-csv',
  description: 'Telemetry records in one CSV file a day, replayable into a store that was down.',
  configSchema,
  async create(config, host) {
    return createCsvSink(config.dir, host.instanceName, host.worker);
  },
};

export default plugin;
