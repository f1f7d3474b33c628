import { silentLogger, type TelemetryRecord, type TelemetrySink } from '@llm-gateway/spec';
import type { MongoInstance } from '@llm-gateway/testkit';
import plugin from '../index.js';

/** A sink-mongo on a test server; `settings` are profile config keys beside the server's. */
export async function testSink(
  mongo: MongoInstance,
  collection: string,
  settings: Record<string, unknown> = {},
): Promise<TelemetrySink> {
  const created = await plugin.create(
    plugin.configSchema.parse({ uri: mongo.url, db: mongo.dbName, collection, ...settings }),
    { instanceName: collection, log: process.env['SINK_LOG'] ? (console as never) : silentLogger },
  );
  if ('disabled' in created) throw new Error('disabled');
  return created;
}

/** Records in one past hour (so whole-hour usage queries answer from the rollups), principal set. */
export function hourRecords(
  count: number,
  prefix: string,
  hour = Date.UTC(2026, 0, 5, 10),
): TelemetryRecord[] {
  return Array.from({ length: count }, (_, n) => ({
    request_id: `${prefix}-${n}`,
    timestamp: new Date(hour + ((n * 997) % 3_600_000)).toISOString(),
    surface: 'openai',
    endpoint: 'chat.completions',
    method: 'POST',
    status_code: 200,
    principal_id: `user${n % 3}`,
    principal_kind: 'api_key',
    principal_key: `keys:user${n % 3}`,
    project_name: `project${n % 2}`,
    latency_ms: 10 + (n % 50),
    llm_latency_ms: 5 + (n % 40),
    prompt_tokens: 3,
    completion_tokens: 4,
    total_tokens: 7,
  }));
}
