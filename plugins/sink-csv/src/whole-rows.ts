import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { parse } from 'csv-parse';

/** Whether a file's last byte ends a row: every append writes whole rows, each ending in a newline. */
export async function endsWithNewline(file: FileHandle, size: number): Promise<boolean> {
  if (size === 0) return true;
  const { buffer } = await file.read(Buffer.alloc(1), 0, 1, size - 1);
  return buffer[0] === 0x0a;
}

/**
 * The length of a CSV file's whole rows. A row cut off (a crash or a full disk mid-append) has no final
 * newline and is left out; cells may hold newlines, so rows are found by parsing, not by the last '\n'.
 */
export async function wholeRowsLength(path: string, size: number): Promise<number> {
  if (size === 0) return 0;
  let whole = 0;
  let previous = 0;
  const rows = createReadStream(path, { end: size - 1 }).pipe(
    parse({ info: true, relax_column_count: true, skip_records_with_error: true }),
  );
  for await (const { info } of rows as AsyncIterable<{ info: { bytes: number } }>) {
    previous = whole;
    whole = info.bytes;
  }
  return whole === size ? previous : whole;
}
