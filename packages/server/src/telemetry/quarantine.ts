import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger, RejectedRecord, SpooledRecords, TelemetryRecord } from '@llm-gateway/spec';
import { createRateLimitedLog, fsFacts } from './rate-limited-log.js';

/** One line of a quarantine file: the record a store refused, who refused it and why. */
export interface QuarantineEntry {
  quarantined_at: string;
  sink: string;
  reason: string;
  record: TelemetryRecord;
}

export interface Quarantine {
  readonly dir: string;
  /** Appends the refused records (one write); false when they could not be kept (counted as lost, logged once). */
  add(sink: string, rejected: readonly RejectedRecord[]): Promise<boolean>;
  /** Records quarantined: in the files found at start plus those added since. */
  count(): number;
  /** Records in the quarantine files now (read from disk). */
  onDisk(): Promise<number>;
  /** The quarantine files, to replay by hand once the store or the record is fixed. */
  files(): Promise<SpooledRecords[]>;
}

const quarantineFile = /^quarantine-.*\.jsonl$/;
const REPLAYED_DIR = 'replayed';

/** Lines of a quarantine file; a line cut off (a full disk) is skipped. */
async function* entries(path: string): AsyncGenerator<QuarantineEntry> {
  for await (const line of createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    try {
      const entry = JSON.parse(line) as QuarantineEntry;
      if (entry?.record?.request_id) yield entry;
    } catch {
      // An incomplete last line: written as one append, so it never held a whole record.
    }
  }
}

async function countEntries(dir: string, except?: string): Promise<number> {
  let total = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((file) => quarantineFile.test(file) && join(dir, file) !== except)) {
    for await (const _ of entries(join(dir, name))) total += 1;
  }
  return total;
}

/**
 * Records a store refused on their own (a key it cannot hold) are kept here, one JSON line each, so one
 * bad record never blocks the rest: the batch is stored without it and the chain stays on its store.
 */
export function createQuarantine(dir: string, log: Logger): Quarantine {
  // One file per quarantine (process and start): never appended to by two writers, never replayed while written.
  const file = join(
    dir,
    `quarantine-${new Date().toISOString().slice(0, 10)}-${process.pid}-${randomBytes(3).toString('hex')}.jsonl`,
  );
  let added = 0;
  let found = 0;
  // What earlier runs left; this run's own file is counted as it is written.
  void countEntries(dir, file).then((n) => {
    found = n;
  });
  const warn = createRateLimitedLog(log);
  return {
    dir,
    async add(sink, rejected) {
      if (rejected.length === 0) return true;
      const at = new Date().toISOString();
      const lines = rejected
        .map(({ record, reason }) => `${JSON.stringify({ quarantined_at: at, sink, reason, record })}\n`)
        .join('');
      try {
        await mkdir(dir, { recursive: true });
        await appendFile(file, lines);
        added += rejected.length;
        log.warn(
          { sink, records: rejected.length, reason: rejected[0]!.reason, file },
          'telemetry records refused by the store quarantined; the rest of the batch is stored',
        );
        return true;
      } catch (error) {
        warn(
          'error',
          { ...fsFacts(error), sink, lost: rejected.length, file },
          'telemetry quarantine not written',
        );
        return false;
      }
    },
    count: () => found + added,
    onDisk: () => countEntries(dir),
    async files() {
      const names = await readdir(dir).catch(() => [] as string[]);
      return names
        .filter((name) => quarantineFile.test(name) && join(dir, name) !== file)
        .sort()
        .map((name) => ({
          name: join(dir, name),
          async *batches(size: number) {
            let batch: TelemetryRecord[] = [];
            for await (const entry of entries(join(dir, name))) {
              batch.push(entry.record);
              if (batch.length >= size) {
                yield batch;
                batch = [];
              }
            }
            if (batch.length > 0) yield batch;
          },
          async done() {
            await mkdir(join(dir, REPLAYED_DIR), { recursive: true });
            await rename(join(dir, name), join(dir, REPLAYED_DIR, `${Date.now()}-${name}`));
          },
        }));
    },
  };
}
