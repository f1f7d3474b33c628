import { describe, expect, it } from 'vitest';
import { authInputHeaders } from './auth-headers.js';

describe('authInputHeaders', () => {
  it('offers x-api-key as a Bearer credential when no Authorization came with it', () => {
    expect(authInputHeaders({ 'x-api-key': 'k1' })).toEqual({
      'x-api-key': 'k1',
      authorization: 'Bearer k1',
    });
  });

  it('leaves an Authorization header alone, and headers without x-api-key', () => {
    const both = { 'x-api-key': 'k1', authorization: 'Bearer other' };
    expect(authInputHeaders(both)).toBe(both);
    const none = { accept: '*/*' };
    expect(authInputHeaders(none)).toBe(none);
  });
});
