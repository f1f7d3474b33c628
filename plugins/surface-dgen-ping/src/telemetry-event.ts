import { z } from '@llm-gateway/spec';

/** Nesting past this is refused: no dashboard reads it, and stores refuse deep documents (MongoDB at 100). */
export const MAX_EVENT_DEPTH = 16;

/** Why a field name cannot be stored as given (MongoDB's driver refuses NUL; `$`-first and dotted names are operators/paths). */
function keyProblem(key: string): string | undefined {
  if (key.includes('\u0000')) return 'must not contain a NUL character';
  if (key.startsWith('$')) return "must not start with '$'";
  if (key.includes('.')) return "must not contain '.'";
  return undefined;
}

/** Reports every field name the store could not hold, and nesting past MAX_EVENT_DEPTH, at its place in the body. */
function checkValue(value: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (value === null || typeof value !== 'object') return;
  if (path.length >= MAX_EVENT_DEPTH) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `Value error, nested deeper than ${MAX_EVENT_DEPTH} levels`,
    });
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) checkValue(item, [...path, index], ctx);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const problem = keyProblem(key);
    if (problem)
      ctx.addIssue({ code: 'custom', path: [...path, key], message: `Value error, field name ${problem}` });
    else checkValue(item, [...path, key], ctx);
  }
}

/** dgen-ping's custom event: any JSON object, as long as a telemetry store can hold its field names. */
export const telemetryEvent = z
  .record(z.string(), z.unknown())
  .superRefine((event, ctx) => checkValue(event, [], ctx));
