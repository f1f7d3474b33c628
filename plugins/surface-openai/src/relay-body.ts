/**
 * `usage.from_cache: false` added to a relayed chat completion in place: the upstream's bytes stay as
 * they came but for that one member, inserted after the `{` of its top-level `usage` object (the last
 * `"usage": {` of the body: a string value cannot hold it unescaped, and OpenAI-wire bodies end with it).
 * Done on the bytes: no decoding, and the answer is written as the buffer it is.
 */
const usageKey = Buffer.from('"usage"');
const member = Buffer.from('"from_cache":false');
const memberAndComma = Buffer.from('"from_cache":false,');

/** The index of the first byte at or after `at` that is not JSON whitespace. */
function skipSpace(bytes: Buffer, at: number): number {
  let i = at;
  while (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09) i++;
  return i;
}

/** The body with the member, or undefined when it cannot be added in place (no usage object, or one with it). */
export function withFromCache(body: Uint8Array): Buffer | undefined {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.includes('"from_cache"')) return undefined;
  for (
    let at = bytes.lastIndexOf(usageKey);
    at !== -1;
    at = at > 0 ? bytes.lastIndexOf(usageKey, at - 1) : -1
  ) {
    const colon = skipSpace(bytes, at + usageKey.length);
    if (bytes[colon] !== 0x3a) continue;
    const brace = skipSpace(bytes, colon + 1);
    if (bytes[brace] !== 0x7b) continue;
    const inside = brace + 1;
    const empty = bytes[skipSpace(bytes, inside)] === 0x7d;
    return Buffer.concat([
      bytes.subarray(0, inside),
      empty ? member : memberAndComma,
      bytes.subarray(inside),
    ]);
  }
  return undefined;
}
