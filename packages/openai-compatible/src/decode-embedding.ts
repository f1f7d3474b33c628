/** Standard base64 of whole float32 values: 4 bytes each, so the text is a multiple of 4 characters. */
const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function finiteNumbers(values: readonly unknown[]): values is number[] {
  return values.every((value) => typeof value === 'number' && Number.isFinite(value));
}

/**
 * One embedding as the upstream sent it: base64 little-endian float32 (what we ask for), or a float array
 * (what several self-hosted OpenAI-compatible servers answer anyway). Anything else is undefined.
 */
export function decodeEmbedding(value: unknown): number[] | undefined {
  if (Array.isArray(value)) return finiteNumbers(value) ? value : undefined;
  if (typeof value !== 'string' || !base64Text.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length % 4 !== 0) return undefined;
  const floats: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 4) floats.push(bytes.readFloatLE(offset));
  return finiteNumbers(floats) ? floats : undefined;
}
