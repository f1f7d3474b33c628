import { describe, expect, it } from 'vitest';
import { StopScanner } from './stop-scanner.js';

describe('StopScanner', () => {
  it('releases text up to a stop sequence split across pieces, and nothing after it', () => {
    const scanner = new StopScanner(['END']);
    expect(scanner.push('hello E')).toBe('hello ');
    expect(scanner.push('N')).toBe('');
    expect(scanner.push('D and more')).toBe('');
    expect(scanner.stoppedBy).toBe('END');
    expect(scanner.push('later')).toBe('');
    expect(scanner.flush()).toBe('');
  });

  it('releases held-back text that turned out not to be a stop sequence', () => {
    const scanner = new StopScanner(['xyz', '\n\n']);
    expect(scanner.push('abc x')).toBe('abc ');
    expect(scanner.push('y!')).toBe('xy!');
    expect(scanner.push('tail\n')).toBe('tail');
    expect(scanner.flush()).toBe('\n');
    expect(scanner.stoppedBy).toBeUndefined();
  });

  it('stops at the earliest of several stop sequences', () => {
    const scanner = new StopScanner(['cd', 'b']);
    expect(scanner.push('abcd')).toBe('a');
    expect(scanner.stoppedBy).toBe('b');
  });
});
