import { describe, expect, it } from 'vitest';
import { headerValue } from './header-value.js';

describe('headerValue', () => {
  it('keeps printable ASCII and percent-encodes everything else', () => {
    expect(headerValue('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(headerValue('模型')).toBe(encodeURIComponent('模型'));
    expect(headerValue('a\r\nSet-Cookie: x')).toBe('a%0D%0ASet-Cookie: x');
    expect(headerValue('nul\u0000é')).toBe('nul%00%C3%A9');
    expect(headerValue('lone\ud800')).toBe('lone%EF%BF%BD');
  });
});
