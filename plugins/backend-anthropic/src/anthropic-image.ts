/** An image content part as Anthropic's image block: a base64 data URL becomes a base64 source, an http(s) URL a url source. */
import type Anthropic from '@anthropic-ai/sdk';
import { GatewayError } from '@llm-gateway/spec';

type ImageBlock = Anthropic.Messages.ImageBlockParam;
type MediaType = Anthropic.Messages.Base64ImageSource['media_type'];

const mediaTypes = new Set<string>(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const dataUrl = /^data:([^;,]+);base64,(.*)$/s;

/** `param` names the content part in OpenAI's terms, for the 400 a client can act on. */
export function toAnthropicImage(backend: string, url: string, param: string): ImageBlock {
  const data = dataUrl.exec(url);
  if (data) {
    const mediaType = data[1]!.toLowerCase();
    if (!mediaTypes.has(mediaType)) {
      throw new GatewayError(
        'invalid_request',
        `Unsupported image type '${mediaType}': the ${backend} backend takes image/jpeg, image/png, image/gif and image/webp.`,
        { param, code: 'unsupported_parameter', backend },
      );
    }
    return { type: 'image', source: { type: 'base64', media_type: mediaType as MediaType, data: data[2]! } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new GatewayError(
    'invalid_request',
    `Invalid image URL: the ${backend} backend takes base64 data: URLs and http(s) URLs.`,
    { param, code: 'invalid_image_url', backend },
  );
}
