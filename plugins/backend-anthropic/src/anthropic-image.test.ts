import { describe, expect, it } from 'vitest';
import { toAnthropicImage } from './anthropic-image.js';

describe('toAnthropicImage', () => {
  it('turns a base64 data URL into a base64 source', () => {
    expect(toAnthropicImage('claude', 'data:image/PNG;base64,iVBORw0K', 'p')).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0K' },
    });
  });

  it('turns an http(s) URL into a url source', () => {
    expect(toAnthropicImage('claude', 'https://example.com/a.jpg', 'p')).toEqual({
      type: 'image',
      source: { type: 'url', url: 'https://example.com/a.jpg' },
    });
  });

  it('refuses a media type Claude does not read, and any other URL, with a 400 naming the part', () => {
    expect(() => toAnthropicImage('claude', 'data:image/tiff;base64,AAAA', 'messages[0].content[1]')).toThrow(
      expect.objectContaining({ status: 400, param: 'messages[0].content[1]' }),
    );
    expect(() => toAnthropicImage('claude', 'file:///etc/passwd', 'messages[0].content[2]')).toThrow(
      expect.objectContaining({ status: 400, param: 'messages[0].content[2]' }),
    );
  });
});
