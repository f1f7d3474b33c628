/**
 * Readers for profile settings, which often arrive as `${VAR:-}` text: blank means unset, flags from
 * their words. Use them with `z.preprocess` in a plugin's config schema.
 */

/** '' (an unset `${VAR:-}`) and YAML null read as absent, so the schema's default applies. */
export function blankSetting(value: unknown): unknown {
  return value === '' || value === null ? undefined : value;
}

const truthy = new Set(['true', '1', 'yes', 'on']);
const falsy = new Set(['false', '0', 'no', 'off']);

/** true/1/yes/on and false/0/no/off (any case) as booleans; blank as absent; anything else left for the schema. */
export function flagSetting(value: unknown): unknown {
  const given = blankSetting(value);
  if (typeof given !== 'string') return given;
  const word = given.trim().toLowerCase();
  if (truthy.has(word)) return true;
  if (falsy.has(word)) return false;
  return given;
}
