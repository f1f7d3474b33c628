/**
 * The keys a zod schema accepts at a path, read from zod's own definitions (`_zod.def`), so a plugin's
 * schema from another copy of zod works too. Used to suggest the right key for an unknown one.
 */
interface SchemaDef {
  type: string;
  shape?: Record<string, ZodLike>;
  catchall?: ZodLike;
  innerType?: ZodLike;
  in?: ZodLike;
  out?: ZodLike;
  valueType?: ZodLike;
  element?: ZodLike;
  items?: ZodLike[];
  options?: ZodLike[];
  left?: ZodLike;
  right?: ZodLike;
  getter?: () => ZodLike;
}

interface ZodLike {
  _zod: { def: SchemaDef };
}

function isZodLike(value: unknown): value is ZodLike {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/** The object, record and array schemas behind wrappers, pipes (preprocess), unions and lazies. */
function concrete(schema: ZodLike | undefined, seen = new Set<ZodLike>()): ZodLike[] {
  if (!isZodLike(schema) || seen.has(schema)) return [];
  seen.add(schema);
  const def = schema._zod.def;
  if (def.innerType) return concrete(def.innerType, seen);
  if (def.type === 'pipe') return [...concrete(def.in, seen), ...concrete(def.out, seen)];
  if (def.type === 'union') return (def.options ?? []).flatMap((option) => concrete(option, seen));
  if (def.type === 'intersection') return [...concrete(def.left, seen), ...concrete(def.right, seen)];
  if (def.type === 'lazy' && def.getter) return concrete(def.getter(), seen);
  // A transform (e.g. the first half of a preprocess) says nothing about which keys are valid.
  return def.type === 'transform' ? [] : [schema];
}

function child(schema: ZodLike, key: PropertyKey): ZodLike[] {
  const def = schema._zod.def;
  switch (def.type) {
    case 'object': {
      const field = typeof key === 'string' ? def.shape?.[key] : undefined;
      if (field) return [field];
      return def.catchall && def.catchall._zod.def.type !== 'never' ? [def.catchall] : [];
    }
    case 'record':
      return def.valueType ? [def.valueType] : [];
    case 'array':
      return typeof key === 'number' && def.element ? [def.element] : [];
    case 'tuple':
      return typeof key === 'number' && def.items?.[key] ? [def.items[key]] : [];
    default:
      return [];
  }
}

function nodesAt(schema: unknown, path: readonly PropertyKey[]): ZodLike[] {
  if (!isZodLike(schema)) return [];
  let here = concrete(schema);
  for (const key of path) here = here.flatMap((node) => child(node, key).flatMap((next) => concrete(next)));
  return here;
}

function declaredKeys(nodes: readonly ZodLike[]): string[] {
  const keys = new Set<string>();
  for (const node of nodes) {
    if (node._zod.def.type === 'object')
      for (const key of Object.keys(node._zod.def.shape ?? {})) keys.add(key);
  }
  return [...keys];
}

/** The keys the object schema(s) at `path` declare, in declaration order; [] when there is none. */
export function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  return declaredKeys(nodesAt(schema, path));
}

/** Only plain (stripping) objects: a loose one, a record or `unknown` anywhere there takes any key. */
function strips(nodes: readonly ZodLike[]): boolean {
  return (
    nodes.length > 0 && nodes.every((node) => node._zod.def.type === 'object' && !node._zod.def.catchall)
  );
}

/**
 * Keys of `input` that a plain `z.object` would silently drop: a typo in a third-party plugin's config
 * must fail like one in a strict schema. Returns each one's path.
 */
export function strippedKeys(schema: unknown, input: unknown): PropertyKey[][] {
  const out: PropertyKey[][] = [];
  const walk = (nodes: ZodLike[], value: unknown, path: PropertyKey[]) => {
    if (typeof value !== 'object' || value === null) return;
    const entries: [PropertyKey, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    const declared = strips(nodes) ? new Set(declaredKeys(nodes)) : undefined;
    for (const [key, item] of entries) {
      if (declared && typeof key === 'string' && !declared.has(key)) out.push([...path, key]);
      else
        walk(
          nodes.flatMap((node) => child(node, key).flatMap((next) => concrete(next))),
          item,
          [...path, key],
        );
    }
  };
  walk(nodesAt(schema, []), input, []);
  return out;
}
