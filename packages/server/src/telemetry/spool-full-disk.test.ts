import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// The built telemetry service with `spool: disk`, in a process whose files may not grow past `ulimit -f` (KiB).
const child = `
const dist = process.argv[2];
const { createTelemetryService } = await import(dist + '/telemetry/telemetry-service.js');
const { telemetrySection } = await import(dist + '/profile/telemetry-section.js');
const { Registry } = await import('prom-client');
const lines = [];
const log = { child: () => log };
for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
  log[level] = (fields, message) => lines.push({ level, fields: typeof fields === 'object' ? Object.keys(fields) : [], message: message ?? fields });
const settings = telemetrySection.parse({ spool: 'disk', spoolDir: process.argv[3], batchSize: 1000, flushIntervalMs: 600000 });
const service = createTelemetryService(settings, [], new Registry(), log);
for (let n = 0; n < 100; n += 1) {
  service.record({ request_id: 'spool-' + n, timestamp: new Date().toISOString(), surface: 's', endpoint: 'e', method: 'POST',
    status_code: 200, latency_ms: 1, project_name: 'x'.repeat(200) });
}
console.log(JSON.stringify({ lines, buffered: service.status().buffered }));
process.exit(0);
`;

describe('disk spool on a full disk', () => {
  it('logs the failure once without a stack, leaves no cut line, and keeps every record in memory (was a stack per record and a cut line)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-full-'));
    const script = join(fileURLToPath(new URL('.', import.meta.url)), '__spool-full-child.mjs');
    await writeFile(script, child);
    try {
      const dist = fileURLToPath(new URL('../../dist', import.meta.url));
      const { stdout } = await run('bash', [
        '-c',
        'ulimit -f 8; exec node "$0" "$1" "$2"',
        script,
        dist,
        dir,
      ]);
      const { lines, buffered } = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        lines: { level: string; fields: string[]; message: string }[];
        buffered: number;
      };
      const failures = lines.filter((line) => /spool append failed/.test(line.message));
      expect(failures).toHaveLength(1);
      expect(failures[0]!.fields).not.toContain('err');
      expect(failures[0]!.fields).toContain('code');
      expect(buffered).toBe(100);

      const files = await readdir(dir);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const text = await readFile(join(dir, file), 'utf8');
        if (text === '') continue;
        expect(text.endsWith('\n')).toBe(true);
        for (const line of text.trim().split('\n'))
          expect(JSON.parse(line).request_id).toMatch(/^spool-\d+$/);
      }
    } finally {
      await rm(script, { force: true });
    }
  });
});
