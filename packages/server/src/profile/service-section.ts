import { z } from 'zod';

export const serviceSection = z
  .strictObject({
    name: z.string().min(1).default('llm-gateway'),
    version: z.string().min(1).default('0.1.0'),
  })
  .prefault({});
