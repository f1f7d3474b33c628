import { z } from 'zod';
import { envNumber, optionalString } from './coerce.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const loggingSection = z
  .strictObject({
    level: z.preprocess(
      (value) => (typeof value === 'string' ? value.toLowerCase() : value),
      z.enum(logLevels).default('info'),
    ),
    /**
     * Lines are written once this many bytes are waiting (or flushIntervalMs passed): at info, one
     * write(2) per access-log line cost ~8% of the CPU per request at moderate load. 0 = every line at once.
     * Below 4096: a write holds whole lines and at most PIPE_BUF bytes, so cluster workers sharing one
     * stdout pipe never interleave inside a line.
     */
    bufferBytes: envNumber(z.number().int().nonnegative().max(4095).default(3072)),
    /** Waiting lines are written at least this often, so a quiet gateway's log is never behind by more. */
    flushIntervalMs: envNumber(z.number().int().positive().max(60_000).default(250)),
    /** Also write the seed's log files here (app.log, llm_requests.log, errors.log); blank: stdout only. */
    dir: optionalString(),
    /** A log file past this size is rotated to `<name>.1`; `files` rotated ones are kept. */
    maxFileBytes: envNumber(
      z
        .number()
        .int()
        .positive()
        .default(10 * 1024 * 1024),
    ),
    files: envNumber(z.number().int().nonnegative().max(100).default(5)),
  })
  .prefault({});
