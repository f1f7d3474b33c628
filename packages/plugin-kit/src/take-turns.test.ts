import { describe, expect, it } from 'vitest';
import { takeTurns } from './take-turns.js';

describe('takeTurns', () => {
  it('starts a task only when the one before it has settled, failed or not', async () => {
    const exclusive = takeTurns();
    const events: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      exclusive(task('a', true)),
      exclusive(task('b')),
      exclusive(task('c')),
    ]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });
});
