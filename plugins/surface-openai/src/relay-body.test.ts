import { describe, expect, it } from 'vitest';
import { withFromCache } from './relay-body.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('withFromCache', () => {
  it('adds from_cache to the top-level usage object and leaves every other byte as it was', () => {
    const body =
      '{\n  "id": "x",\n  "choices": [{"message": {"content": "say \\"usage\\": {\\"a\\":1}"}}],\n  "usage": {\n    "prompt_tokens": 3\n  }\n}';
    const out = withFromCache(bytes(body))!.toString();
    expect(out).toBe(body.replace('"usage": {', '"usage": {"from_cache":false,'));
    expect(JSON.parse(out).usage).toEqual({ from_cache: false, prompt_tokens: 3 });
    expect(JSON.parse(out).choices[0].message.content).toBe('say "usage": {"a":1}');
  });

  it('takes the last usage object, past a usage key without an object', () => {
    const body = '{"a":{"usage":1},"usage" :\n {"prompt_tokens":1}}';
    expect(withFromCache(bytes(body))?.toString()).toBe(
      '{"a":{"usage":1},"usage" :\n {"from_cache":false,"prompt_tokens":1}}',
    );
  });

  it('handles an empty usage object, and gives up when there is none or it already has the member', () => {
    expect(JSON.parse(withFromCache(bytes('{"usage":{ }}'))!.toString())).toEqual({
      usage: { from_cache: false },
    });
    expect(withFromCache(bytes('{"usage":null}'))).toBeUndefined();
    expect(withFromCache(bytes('{"usage":{"from_cache":true}}'))).toBeUndefined();
  });
});
