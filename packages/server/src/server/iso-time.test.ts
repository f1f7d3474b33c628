import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('formats as toISOString does, across seconds, days and back in time', () => {
    const now = Date.now();
    const times = [0, 999, 1000, 1_000.5, now, now - 13.7, now + 1, now - 86_400_000, 951_782_400_000];
    for (let i = 0; i < 2000; i++) times.push(now + Math.round((Math.random() - 0.5) * 4e9) + Math.random());
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(Math.floor(ms)).toISOString());
  });
});
