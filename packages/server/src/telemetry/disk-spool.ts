import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger, TelemetryRecord } from '@llm-gateway/spec';

interface Segment {
  path: string;
  fd?: number;
  /** Records of this file not yet stored by a sink. */
  pending: number;
  records: number;
  /** Bytes written whole: a failed append is cut back to here. */
  bytes: number;
}

export interface DiskSpool {
  /** Appends the record to the current file (one write syscall: it survives a SIGKILL of the gateway). */
  append(record: TelemetryRecord): void;
  /** Marks records as stored; a file whose records are all stored is deleted. */
  ack(batch: readonly TelemetryRecord[]): void;
  /** Records a previous run spooled but never shipped (a crash); they are acked like new ones. */
  recover(): TelemetryRecord[];
  close(): void;
}

const segmentName = /^spool-\d+-\d+\.jsonl$/;

/**
 * Writes the whole line or none of it: a short write (a file size limit) is continued, and a failure
 * (no space) cuts the file back, so the next record never lands behind a cut line. Throws the failure.
 */
function appendWhole(segment: Segment, line: string): void {
  const data = Buffer.from(line);
  let done = 0;
  try {
    while (done < data.length) done += writeSync(segment.fd!, data, done, data.length - done);
  } catch (error) {
    try {
      ftruncateSync(segment.fd!, segment.bytes);
    } catch {
      // Nothing more to do: recover() skips a line it cannot parse.
    }
    throw error;
  }
  segment.bytes += data.length;
}

/**
 * `telemetry.spool: disk`: every record is appended to a local file before it waits in memory, and
 * the file goes once every record in it reached a sink, so a killed gateway ships them on its next start.
 */
export function createDiskSpool(dir: string, maxRecordsPerFile: number, log: Logger): DiskSpool {
  mkdirSync(dir, { recursive: true });
  const owner = new WeakMap<TelemetryRecord, Segment>();
  let sequence = 0;
  let current: Segment | undefined;

  const retire = (segment: Segment) => {
    if (segment.fd !== undefined || segment.pending > 0) return;
    try {
      unlinkSync(segment.path);
    } catch (error) {
      log.warn({ err: error, file: segment.path }, 'telemetry spool file not removed');
    }
  };
  const rotate = () => {
    if (current?.fd !== undefined) {
      closeSync(current.fd);
      current.fd = undefined;
      retire(current);
    }
    const path = join(dir, `spool-${Date.now()}-${process.pid}${++sequence}.jsonl`);
    current = { path, fd: openSync(path, 'a'), pending: 0, records: 0, bytes: 0 };
    return current;
  };

  return {
    append(record) {
      const segment = current && current.records < maxRecordsPerFile ? current : rotate();
      appendWhole(segment, `${JSON.stringify(record)}\n`);
      segment.pending += 1;
      segment.records += 1;
      owner.set(record, segment);
    },
    ack(batch) {
      for (const record of batch) {
        const segment = owner.get(record);
        if (!segment) continue;
        owner.delete(record);
        segment.pending -= 1;
        if (segment !== current) retire(segment);
      }
    },
    recover() {
      const recovered: TelemetryRecord[] = [];
      for (const name of readdirSync(dir)
        .filter((file) => segmentName.test(file))
        .sort()) {
        const segment: Segment = { path: join(dir, name), pending: 0, records: 0, bytes: 0 };
        for (const line of readFileSync(segment.path, 'utf8').split('\n')) {
          if (!line) continue;
          try {
            const record = JSON.parse(line) as TelemetryRecord;
            owner.set(record, segment);
            segment.pending += 1;
            recovered.push(record);
          } catch {
            // A line cut off by the crash: the request it stood for had not been recorded whole.
          }
        }
        retire(segment);
      }
      if (recovered.length > 0) log.info({ records: recovered.length }, 'telemetry spool recovered');
      return recovered;
    },
    close() {
      if (current?.fd !== undefined) {
        closeSync(current.fd);
        current.fd = undefined;
        retire(current);
      }
    },
  };
}
