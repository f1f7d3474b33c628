import type { AuthInput } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { firstValue, looksLikeJwt, presentedCredential } from './credentials.js';

function input(partial: Partial<AuthInput>): AuthInput {
  return { headers: {}, query: {}, allowQueryCredentials: false, ...partial };
}

describe('presentedCredential', () => {
  it('reads the first header present, trimmed', () => {
    const presented = presentedCredential(
      input({ headers: { 'x-api-key': ['  sk-one ', 'sk-two'], authorization: 'Bearer sk-three' } }),
      ['x-api-key', 'authorization'],
    );
    expect(presented).toEqual({ value: 'sk-one', bearer: false });
  });

  it('reads Authorization only as Bearer, and skips other schemes', () => {
    expect(
      presentedCredential(input({ headers: { authorization: 'bearer  a.b.c ' } }), ['authorization']),
    ).toEqual({
      value: 'a.b.c',
      bearer: true,
    });
    expect(presentedCredential(input({ headers: { authorization: 'Bearer' } }), ['authorization'])).toEqual({
      value: '',
      bearer: true,
    });
    expect(
      presentedCredential(input({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }), ['authorization']),
    ).toBe(undefined);
  });

  it('reads the query parameter only where the surface allows it', () => {
    const query = { api_key: ' sk-query ' };
    expect(presentedCredential(input({ query }), ['x-api-key'], 'api_key')).toBe(undefined);
    expect(
      presentedCredential(input({ query, allowQueryCredentials: true }), ['x-api-key'], 'api_key'),
    ).toEqual({
      value: 'sk-query',
      bearer: false,
    });
    expect(presentedCredential(input({ query, allowQueryCredentials: true }), ['x-api-key'])).toBe(undefined);
  });
});

describe('firstValue and looksLikeJwt', () => {
  it('take the first string and the JWT shape', () => {
    expect(firstValue(['a', 'b'])).toBe('a');
    expect(firstValue([])).toBe(undefined);
    expect(firstValue(3)).toBe(undefined);
    expect(looksLikeJwt('aGVhZA.Ym9keQ.c2ln')).toBe(true);
    expect(looksLikeJwt('sk-not-a-jwt')).toBe(false);
  });
});
