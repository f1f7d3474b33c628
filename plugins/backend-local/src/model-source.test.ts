import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingModelError } from './model-source.js';

describe('missingModelError', () => {
  it('names the model and every directory looked in', () => {
    const error = missingModelError({
      model: 'gpt2',
      localModelPath: '/nowhere/models',
      allowRemoteModels: false,
    });
    expect(error?.message).toContain("local model 'gpt2' not found");
    expect(error?.message).toContain('/nowhere/models');
  });

  it('accepts a model found under the model path, and any model when downloads are allowed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-model-'));
    mkdirSync(join(dir, 'tiny'));
    writeFileSync(join(dir, 'tiny', 'config.json'), '{}');
    expect(
      missingModelError({ model: 'tiny', localModelPath: dir, allowRemoteModels: false }),
    ).toBeUndefined();
    expect(missingModelError({ model: 'gpt2', allowRemoteModels: true })).toBeUndefined();
  });
});
