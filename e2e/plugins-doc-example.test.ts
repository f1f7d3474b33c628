/**
 * docs/plugins.md's worked example (a vLLM backend) is real code: pasted into a scaffolded package outside
 * the repository, it typechecks and passes the backend and embeddings conformance suites.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runGatewayCli } from './helpers/gateway.js';
import { installOffline, lockedOverrides, mustRun, packGatewayPackages } from './helpers/offline-install.js';

const doc = readFileSync(join(repoRoot, 'docs/plugins.md'), 'utf8');
const section = doc.slice(doc.indexOf('## A worked example'), doc.indexOf('## Scaffold, test, package'));
const [source = '', test = ''] = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
const root = mkdtempSync(join(tmpdir(), 'gateway-doc-example-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the worked example in docs/plugins.md', () => {
  it('is a backend in under 60 lines', () => {
    expect(source).toContain("kind: 'backend'");
    expect(source.trimEnd().split('\n').length).toBeLessThan(60);
    expect(test).toContain('backendConformance(');
  });

  it('typechecks and passes its conformance tests in a scaffolded package', async () => {
    const tarballs = join(root, 'tarballs');
    mkdirSync(tarballs);
    const overrides = lockedOverrides(await packGatewayPackages(tarballs));
    const dir = join(root, 'backend-vllm');
    const scaffold = await runGatewayCli(['new-plugin', 'backend', 'vllm', '--dir', dir]);
    expect(scaffold.code, scaffold.output).toBe(0);
    writeFileSync(join(dir, 'src/index.ts'), source);
    writeFileSync(join(dir, 'src/index.test.ts'), test);
    await installOffline(dir, overrides);
    await mustRun('pnpm', ['run', 'typecheck'], dir);
    expect(await mustRun('pnpm', ['test'], dir)).toMatch(/Tests\s+\d+ passed/);
  }, 180_000);
});
