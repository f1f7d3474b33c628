import { z } from 'zod';

/** Interpolated values arrive as strings: number-like ones become numbers, `''` means "not set". */
function toNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  const number = Number(value);
  // Not a number: left as is so the error shows what was given.
  return Number.isNaN(number) ? value : number;
}

const truthy = new Set(['true', '1', 'yes', 'on']);
const falsy = new Set(['false', '0', 'no', 'off']);

function toBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (text === '') return undefined;
  if (truthy.has(text)) return true;
  if (falsy.has(text)) return false;
  return value;
}

/** A number that may come from `${VAR}`; wrap the target schema including its default. */
export function envNumber<T extends z.ZodType>(schema: T) {
  return z.preprocess(toNumber, schema);
}

/** A boolean that may come from `${VAR}` (`true/false`, `1/0`, `yes/no`, `on/off`). */
export function envBoolean<T extends z.ZodType>(schema: T) {
  return z.preprocess(toBoolean, schema);
}

/** A string where `''` (e.g. `${VAR:-}`) means "not set". */
export function optionalString() {
  return z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());
}

export const port = () => z.number().int().min(0).max(65_535);
