/**
 * What to set to switch on an instance a plugin left disabled for want of `missing` config keys: the
 * environment variables the profile reads those keys from (`OPENAI_API_KEY`), else the key paths.
 */
export function enableHint(
  configPath: string,
  missing: readonly string[] | undefined,
  variables: ReadonlyMap<string, readonly string[]> | undefined,
): string | undefined {
  if (!missing?.length) return undefined;
  const names = missing.flatMap((key) => {
    const path = `${configPath}.${key}`;
    const read = variables?.get(path);
    return read?.length ? read : [path];
  });
  return [...new Set(names)].join(' or ');
}
