import { isDisabled, type Logger, type TelemetrySink } from '@llm-gateway/spec';
import {
  type CreateInstanceOptions,
  createInstance,
  type InstanceSummary,
} from '../plugins/create-instance.js';
import type { TelemetrySettings } from '../profile/telemetry-section.js';

/** Builds the profile's `telemetry.sinks` in order; switched-off ones (e.g. a blank MONGO_URI) are left out. */
export async function createSinks(
  settings: TelemetrySettings,
  log: Logger,
  options: CreateInstanceOptions,
): Promise<{ sinks: TelemetrySink[]; summaries: InstanceSummary[] }> {
  const sinks: TelemetrySink[] = [];
  const summaries: InstanceSummary[] = [];
  try {
    for (const [name, instance] of Object.entries(settings.sinks)) {
      const host = { instanceName: name, log: log.child({ plugin: 'sink', instance: name }) as Logger };
      const created = await createInstance<TelemetrySink, typeof host>(
        'telemetry',
        'sink',
        name,
        instance,
        host,
        options,
      );
      summaries.push(created.summary);
      if (!isDisabled(created.value)) sinks.push(created.value);
    }
  } catch (error) {
    await Promise.allSettled(sinks.map((sink) => sink.close()));
    throw error;
  }
  return { sinks, summaries };
}
