import { blankSetting, flagSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

/** A boolean that also accepts the strings env interpolation yields ('true'/'false'); blank → default. */
export function flag(defaultValue: boolean) {
  return z.preprocess(flagSetting, z.boolean().default(defaultValue));
}

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const durationPattern = /^(\d+)\s*([smhdw])$/i;

/** Seconds from `3600`, `'3600'`, `'90m'`, `'12h'`, `'30d'`, `'2w'`. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return parseDuration(Number(text));
  const match = durationPattern.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * (unitSeconds[match[2]!.toLowerCase()] ?? 0);
  return seconds > 0 ? seconds : undefined;
}

const duration = z.union([z.string(), z.number()]).transform((value, context) => {
  const seconds = parseDuration(value);
  if (seconds === undefined) {
    context.addIssue({ code: 'custom', message: "expected a duration such as '3600', '12h' or '30d'" });
    return z.NEVER;
  }
  return seconds;
});

export const configSchema = z.strictObject({
  /** TOKEN_SECRET; blank leaves the instance disabled. */
  secret: z.preprocess((value) => (value === null || value === undefined ? '' : value), z.string()),
  /** Fixed allow-list: HS256 only, so a token cannot pick a weaker or asymmetric algorithm. */
  algorithm: z.preprocess(blankSetting, z.literal('HS256').default('HS256')),
  /** Header that carries the token (dgen-ping's X-API-Token). */
  header: z.preprocess(
    blankSetting,
    z
      .string()
      .min(1)
      .default('x-api-token')
      .transform((name) => name.toLowerCase()),
  ),
  /** Also read `Authorization: Bearer <jwt>`. */
  acceptBearer: flag(true),
  /** Token lifetime ('30d', '12h', seconds); absent → tokens never expire, as dgen-ping issues them. */
  expiresIn: z.preprocess(blankSetting, duration.optional()),
  /** ALLOW_DEFAULT_TOKEN: the token `1` authenticates as `defaultPrincipal`. Development only. */
  allowDefaultToken: flag(false),
  defaultPrincipal: z.preprocess(blankSetting, z.string().min(1).default('dev-user')),
  /** Written as `iss` into issued tokens and then required on every token verified. */
  issuer: z.preprocess(blankSetting, z.string().min(1).optional()),
});

export type JwtConfigInput = z.input<typeof configSchema>;
export type JwtConfig = z.output<typeof configSchema>;
