import { z } from 'zod';
import { envNumber } from './coerce.js';

/** One budget: USD and/or tokens per calendar UTC day or month, for each principal, project, client or key. */
const budget = z
  .strictObject({
    name: z.string().regex(/^[\w.-]{1,64}$/, 'A budget name is 1-64 letters, digits, _, . or -'),
    scope: z.enum(['principal', 'project', 'client', 'key']),
    /** Only this one (a principal key like `keys:key-1a2b3c4d` or its bare id, a project); absent: each its own. */
    match: z.string().min(1).optional(),
    period: z.enum(['day', 'month']),
    usd: envNumber(z.number().positive()).optional(),
    tokens: envNumber(z.number().int().positive()).optional(),
    /** Percent of a limit that logs a warning and counts gateway_budget_soft_crossed_total once when crossed. */
    softPercent: envNumber(z.number().positive().max(100)).optional(),
  })
  .refine((value) => value.usd !== undefined || value.tokens !== undefined, {
    message: 'A budget needs usd, tokens or both',
  });

export const budgetsSection = z
  .array(budget)
  .default([])
  .superRefine((budgets, ctx) => {
    const names = new Set<string>();
    budgets.forEach((entry, index) => {
      if (names.has(entry.name))
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `Budget ${entry.name} is named twice`,
        });
      names.add(entry.name);
    });
  });

export type BudgetsSettings = z.infer<typeof budgetsSection>;
