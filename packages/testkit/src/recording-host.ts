import type { Logger, PluginHost } from '@llm-gateway/spec';

/** A plugin host that keeps every log line, so a test can check what the plugin logged (and left out). */
export interface RecordingHost extends PluginHost {
  /** One entry per log call: the message, or the JSON of the fields followed by the message. */
  lines: string[];
}

export function recordingHost(instanceName: string): RecordingHost {
  const lines: string[] = [];
  const log = (object: object | string, message?: string) => {
    lines.push(typeof object === 'string' ? object : `${JSON.stringify(object)} ${message ?? ''}`);
  };
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return { instanceName, log: logger, lines };
}
