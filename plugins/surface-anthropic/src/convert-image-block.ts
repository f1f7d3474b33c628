import type { ContentPart } from '@llm-gateway/spec';
import { invalid, objectAt, stringAt } from './invalid.js';

const mediaTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** An Anthropic image block as a normalized image part: base64 sources become `data:` URLs, url sources stay URLs. */
export function convertImageBlock(block: Record<string, unknown>, field: string): ContentPart {
  const source = objectAt(block.source, `${field}.source`);
  switch (source.type) {
    case 'base64': {
      const mediaType = stringAt(source.media_type, `${field}.source.media_type`);
      if (!mediaTypes.has(mediaType)) {
        throw invalid(
          `${field}.source.media_type`,
          "Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
        );
      }
      const data = stringAt(source.data, `${field}.source.data`);
      return { type: 'image', url: `data:${mediaType};base64,${data}` };
    }
    case 'url': {
      const url = stringAt(source.url, `${field}.source.url`);
      if (!/^https?:\/\//i.test(url)) throw invalid(`${field}.source.url`, 'Input should be an http(s) URL');
      return { type: 'image', url };
    }
    default:
      throw invalid(`${field}.source.type`, "Input should be 'base64' or 'url'");
  }
}
