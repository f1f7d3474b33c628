import { join } from 'node:path';
import type { DestinationStream, StreamEntry } from 'pino';
import { RotatingFile } from './rotating-file.js';

export interface LogFilesOptions {
  /** The directory of the seed's files: app.log (every line), llm_requests.log (requests), errors.log. */
  dir: string;
  /** Size past which a file is rotated, and how many rotated ones are kept. */
  maxBytes: number;
  files: number;
}

/** The access-log lines (RequestLogController): one per request served. */
function isRequestLine(line: string): boolean {
  return line.includes('"msg":"request completed"') || line.includes('"msg":"request errored"');
}

function fileStream(file: RotatingFile, keep: (line: string) => boolean = () => true): DestinationStream {
  return { write: (line: string) => (keep(line) ? file.write(line) : undefined) };
}

/**
 * pino multistream entries for the seed's log files. They get the lines the logger already redacted
 * (serializers and formatter), so no credential reaches them either.
 */
export function logFileStreams(options: LogFilesOptions): StreamEntry[] {
  const open = (name: string) => new RotatingFile(join(options.dir, name), options.maxBytes, options.files);
  return [
    { level: 'trace', stream: fileStream(open('app.log')) },
    { level: 'trace', stream: fileStream(open('llm_requests.log'), isRequestLine) },
    { level: 'error', stream: fileStream(open('errors.log')) },
  ];
}

/** The profile's `logging.dir` (LOG_DIR) as the logger's `files` option; nothing when it is blank. */
export function logFilesOption(logging: { dir?: string | undefined; maxFileBytes: number; files: number }): {
  files?: LogFilesOptions;
} {
  return logging.dir === undefined
    ? {}
    : { files: { dir: logging.dir, maxBytes: logging.maxFileBytes, files: logging.files } };
}
