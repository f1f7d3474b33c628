import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { type LogFilesOptions, logFileStreams } from './log-files.js';
import { LogRedaction, maskSecrets } from './log-redaction.js';

interface SerializableRequest {
  id?: string;
  method?: string;
  url?: string;
  headers?: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

/** pino's lines begin `{"level":NN`: 40 warn, 50 error, 60 fatal. */
function isWarningOrWorse(line: string): boolean {
  return line.startsWith('{"level":') && line.charCodeAt(9) >= 52 && line.charCodeAt(10) === 48;
}

/** Linux's PIPE_BUF: a write to a pipe up to this size is never interleaved with another's. */
const pipeBuf = 4096;

export interface GatewayLoggerOptions {
  level: string;
  /** Where log lines go (default stdout); tests pass a stream to read them. */
  stream?: DestinationStream;
  /** Bytes of lines held before a write, and how often held lines are written anyway (profile `logging`). */
  buffer?: { bytes: number; flushIntervalMs: number };
  /** Credential names to keep out of the logs; the server adds its auth schemes' names to it. */
  redaction?: LogRedaction;
  /** The seed's log files (LOG_DIR), written besides the stream. */
  files?: LogFilesOptions;
}

/**
 * The gateway's pino logger. Request bodies are never serialized; headers are, minus credentials.
 * Redaction is done by serializers and a log formatter that cope with any value (pino's wildcard
 * redaction threw on the Buffer in a client error and killed the process).
 */
export function createLogger(options: GatewayLoggerOptions): Logger {
  const redaction = options.redaction ?? new LogRedaction();
  const config: LoggerOptions = {
    level: options.level,
    formatters: { log: (object) => maskSecrets(object) as Record<string, unknown> },
    serializers: {
      req(request: SerializableRequest) {
        if (typeof request !== 'object' || request === null) return request;
        return {
          id: request.id,
          method: request.method,
          url: typeof request.url === 'string' ? redaction.url(request.url) : undefined,
          headers: redaction.headers(request.headers),
          remoteAddress: request.ip ?? request.socket?.remoteAddress,
        };
      },
      err(error: Error) {
        const serialized: unknown = pino.stdSerializers.err(error);
        if (typeof serialized !== 'object' || serialized === null) return serialized;
        // Spread into a plain object so maskSecrets walks it (the serializer's result has its own prototype).
        return maskSecrets({ ...serialized });
      },
    },
  };
  const files = options.files;
  // Each file keeps its own level (errors.log: error and worse); the logger's level decides what is logged.
  const withFiles = (main: DestinationStream) =>
    files === undefined
      ? main
      : pino.multistream([{ level: 'trace', stream: main }, ...logFileStreams(files)]);
  if (options.stream) return pino(config, withFiles(options.stream));
  if (!options.buffer || options.buffer.bytes === 0)
    return files === undefined ? pino(config) : pino(config, withFiles(pino.destination(1)));
  return pino(config, withFiles(bufferedStdout(options.buffer)));
}

/**
 * stdout through pino's destination, holding lines until `bytes` wait; what is held is written every
 * `flushIntervalMs` (only when lines came: an idle process makes no empty writes) and at exit (pino
 * registers that for its destinations).
 */
function bufferedStdout(buffer: { bytes: number; flushIntervalMs: number }): DestinationStream {
  const destination = pino.destination({
    dest: process.stdout.fd,
    sync: false,
    minLength: buffer.bytes,
    // At most PIPE_BUF per write(2), whole lines only: atomic on a pipe several workers share.
    maxWrite: pipeBuf,
  });
  let held = false;
  let urgent = false;
  const write = destination.write.bind(destination);
  destination.write = (line: string) => {
    const result = write(line);
    held = true;
    // A warning or worse goes out at once, with the lines before it: only the info-level access log waits.
    if (isWarningOrWorse(line)) {
      urgent = true;
      destination.flush();
    }
    return result;
  };
  // flush() does nothing while a write is under way; what it left is written when that write ends.
  destination.on('drain', () => {
    if (!urgent) return;
    urgent = false;
    destination.flush();
  });
  const timer = setInterval(() => {
    if (!held) return;
    held = false;
    destination.flush();
  }, buffer.flushIntervalMs);
  timer.unref();
  destination.on('close', () => clearInterval(timer));
  return destination;
}
