import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const script = resolve(import.meta.dirname, '../../../../scripts/make-tiny-model.sh');

/** Writes the tiny test model into a temp directory: `{ modelPath, model }`, or why it cannot (printed by the caller). */
export function makeTinyModel(): { modelPath: string; model: string } | { skip: string } {
  const modelPath = mkdtempSync(join(tmpdir(), 'tiny-model-'));
  try {
    execFileSync('bash', [script, join(modelPath, 'tiny-gpt2')], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? error).trim();
    return {
      skip: `scripts/make-tiny-model.sh failed (run bash .ci/install-deps.sh --test for onnx and numpy): ${stderr}`,
    };
  }
  return { modelPath, model: 'tiny-gpt2' };
}
