/**
 * `usage.from_cache: false` added to a relayed chat completion in place: the upstream's bytes stay as
 * they came but for that one member, inserted after the `{` of its top-level `usage` object (the last
 * `"usage": {` of the body: a string value cannot hold it unescaped, and OpenAI-wire bodies end with it).
 */
const usageKey = /"usage"\s*:\s*\{/g;
const decoder = new TextDecoder();

/** The body with the member, or undefined when it cannot be added in place (no usage object, or one with it). */
export function withFromCache(body: Uint8Array): string | undefined {
  const text = decoder.decode(body);
  let at = -1;
  for (const match of text.matchAll(usageKey)) at = match.index + match[0].length;
  if (at === -1 || text.includes('"from_cache"')) return undefined;
  const empty = /^\s*\}/.test(text.slice(at, at + 64));
  return `${text.slice(0, at)}"from_cache":false${empty ? '' : ','}${text.slice(at)}`;
}
