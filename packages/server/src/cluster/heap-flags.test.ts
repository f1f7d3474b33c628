import { describe, expect, it } from 'vitest';
import { serverSection } from '../profile/server-section.js';
import { heapFlags, missingFlags } from './heap-flags.js';

describe('server.memory heap flags', () => {
  it('asks for a 16 MiB semi-space by default and nothing for settings at 0', () => {
    expect(heapFlags(serverSection.parse({}).memory)).toEqual(['--max-semi-space-size=16']);
    expect(heapFlags({ semiSpaceMiB: 0, maxOldSpaceMiB: 512 })).toEqual(['--max-old-space-size=512']);
    expect(heapFlags({ semiSpaceMiB: 0, maxOldSpaceMiB: 0 })).toEqual([]);
  });

  it('leaves out a flag the operator already gave (command line or NODE_OPTIONS, either spelling)', () => {
    const flags = ['--max-semi-space-size=16', '--max-old-space-size=512'];
    expect(missingFlags(flags, [], undefined)).toEqual(flags);
    expect(missingFlags(flags, ['--max-semi-space-size=8'], undefined)).toEqual(['--max-old-space-size=512']);
    expect(missingFlags(flags, [], '--max_old_space_size=1024 --enable-source-maps')).toEqual([
      '--max-semi-space-size=16',
    ]);
  });
});

describe('server.workers', () => {
  it('is 1 by default, and a whole number of at least 1', () => {
    expect(serverSection.parse({}).workers).toBe(1);
    expect(serverSection.parse({ workers: '4' }).workers).toBe(4);
    for (const bad of [0, -1, 1.5, 'many'])
      expect(serverSection.safeParse({ workers: bad }).success).toBe(false);
  });
});
