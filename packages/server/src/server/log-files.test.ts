import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { RotatingFile } from './rotating-file.js';

const sink = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

describe('the seed log files (LOG_DIR)', () => {
  it('writes every line to app.log, requests to llm_requests.log, errors to errors.log, credentials redacted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-files-'));
    const log = createLogger({ level: 'info', stream: sink(), files: { dir, maxBytes: 1 << 20, files: 2 } });
    log.info(
      { req: { method: 'POST', url: '/generate?api_key=secret-1', headers: { 'x-api-key': 'secret-2' } } },
      'request completed',
    );
    log.info('started');
    log.error({ err: new Error('boom') }, 'task failed');
    log.debug('not logged at info');
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    expect(read('app.log').trim().split('\n')).toHaveLength(3);
    expect(read('llm_requests.log').trim().split('\n')).toHaveLength(1);
    expect(read('llm_requests.log')).toContain('"url":"/generate?api_key=[Redacted]"');
    expect(read('errors.log').trim().split('\n')).toHaveLength(1);
    expect(read('errors.log')).toContain('task failed');
    for (const name of ['app.log', 'llm_requests.log', 'errors.log'])
      expect(read(name)).not.toMatch(/secret-\d/);
  });

  it('rotates a file past its size, keeping the configured number of old ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-rotate-'));
    const file = new RotatingFile(join(dir, 'app.log'), 100, 2);
    for (let i = 0; i < 10; i++) file.write(`${'x'.repeat(40)} line ${i}\n`);
    file.close();
    expect(readFileSync(join(dir, 'app.log'), 'utf8')).toContain('line 9');
    expect(readFileSync(join(dir, 'app.log.1'), 'utf8')).toContain('line 7');
    expect(existsSync(join(dir, 'app.log.2'))).toBe(true);
    expect(existsSync(join(dir, 'app.log.3'))).toBe(false);
  });
});
