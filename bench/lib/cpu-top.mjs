// Reads a V8 .cpuprofile (from `node --cpu-prof`) and sums self time per function and per package:
// `node bench/lib/cpu-top.mjs bench/results/profiles/foundation.cpuprofile [rows]`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function packageOf(url, functionName) {
  const dep = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/(packages|plugins)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  return url;
}

/** Self time per function and per package, as shares of all samples. */
export function summarizeCpuProfile(path, rows = 30) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byPackage = new Map();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const file = url.replace(/^file:\/\//, '');
    const name = `${functionName || '(anonymous)'} ${file.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = packageOf(file, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const top = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows)
      .map(([name, us]) => ({ name, share: us / total }));
  return { totalS: total / 1e6, packages: top(byPackage), functions: top(byFunction) };
}

export function printCpuSummary(title, summary) {
  const pct = (share) => `${(share * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${title}: ${summary.totalS.toFixed(1)} s sampled; self time by package, then by function`);
  for (const row of summary.packages.slice(0, 15)) console.log(`  ${pct(row.share)}  ${row.name}`);
  console.log('  --');
  for (const row of summary.functions) console.log(`  ${pct(row.share)}  ${row.name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path, rows] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node bench/lib/cpu-top.mjs <file.cpuprofile> [rows]');
    process.exit(1);
  }
  printCpuSummary(path, summarizeCpuProfile(path, Number(rows) || 40));
}
