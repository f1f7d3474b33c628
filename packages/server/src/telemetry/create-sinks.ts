import type { Logger, TelemetrySink } from '@llm-gateway/spec';
import {
  type CreateInstanceOptions,
  createInstances,
  type InstanceSummary,
} from '../plugins/create-instance.js';
import type { TelemetrySettings } from '../profile/telemetry-section.js';

/** Builds the profile's `telemetry.sinks` in order; switched-off ones (e.g. a blank MONGO_URI) are left out. */
export async function createSinks(
  settings: TelemetrySettings,
  log: Logger,
  options: CreateInstanceOptions,
): Promise<{ sinks: TelemetrySink[]; summaries: InstanceSummary[] }> {
  const { enabled, summaries } = await createInstances<TelemetrySink>(
    'telemetry',
    'sink',
    settings.sinks,
    log,
    options,
  );
  return { sinks: [...enabled.values()], summaries };
}
