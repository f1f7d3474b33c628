/**
 * deploy/helm/llm-gateway: `helm lint` and `helm template` for every shipped profile, each rendered object
 * valid under the Kubernetes JSON schemas vendored in deploy/schemas (v1.33, strict: an unknown field is an
 * error), and the parts that make it a working deployment: probes on /livez and /readyz, a grace period
 * that covers the drain, the worker, the ServiceMonitor only where the cluster serves its API. Needs helm
 * (`.ci/install-deps.sh --test` builds it); skipped with the reason when it is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './helpers/gateway.js';

const chart = join(repoRoot, 'deploy/helm/llm-gateway');
const schemaDir = join(repoRoot, 'deploy/schemas');
/** The Kubernetes version the schemas are of; helm renders for it too (Capabilities.KubeVersion). */
const kubeVersion = '1.33.0';

function findHelm(): string | undefined {
  for (const candidate of [process.env['HELM_BIN'], join(homedir(), '.gateway-tools/bin/helm')]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  const onPath = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  return onPath.status === 0 ? 'helm' : undefined;
}
const helm = findHelm();
if (!helm)
  console.warn(
    'deploy-helm.test.ts skipped: helm is not installed (bash .ci/install-deps.sh --test builds it)',
  );

const profiles = readdirSync(join(repoRoot, 'configs'))
  .filter((name) => name.endsWith('.yaml'))
  .sort();

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

const schemaFiles: Record<string, string> = {
  'apps/v1/Deployment': 'deployment-apps-v1.json',
  'v1/Service': 'service-v1.json',
  'v1/ConfigMap': 'configmap-v1.json',
  'v1/Secret': 'secret-v1.json',
  'v1/ServiceAccount': 'serviceaccount-v1.json',
  'policy/v1/PodDisruptionBudget': 'poddisruptionbudget-policy-v1.json',
  'autoscaling/v2/HorizontalPodAutoscaler': 'horizontalpodautoscaler-autoscaling-v2.json',
  'networking.k8s.io/v1/Ingress': 'ingress-networking-v1.json',
};

/** One validator per vendored kind; the shared definitions resolve by their $id. */
function validators(): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, '_definitions.json'), 'utf8')));
  return new Map(
    Object.entries(schemaFiles).map(([key, file]) => [
      key,
      ajv.compile(JSON.parse(readFileSync(join(schemaDir, file), 'utf8'))),
    ]),
  );
}

function render(args: string[]): K8sObject[] {
  const out = execFileSync(helm!, ['template', 'gw', chart, '--kube-version', kubeVersion, ...args], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

/** Schema errors of every object; a kind without a vendored schema is an error too (but the ServiceMonitor CRD). */
function schemaErrors(objects: K8sObject[], check: Map<string, ValidateFunction>): string[] {
  return objects.flatMap((object) => {
    const key = `${object.apiVersion}/${object.kind}`;
    if (key === 'monitoring.coreos.com/v1/ServiceMonitor') return [];
    const validate = check.get(key);
    if (!validate) return [`${key} ${object.metadata.name}: no vendored schema`];
    // Passed as unknown: the validator's type guard would narrow `object` to never in the error branch.
    return validate(object as unknown)
      ? []
      : (validate.errors ?? []).map((e) => `${key} ${object.metadata.name}: ${e.instancePath} ${e.message}`);
  });
}

const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name);

interface Container {
  args?: string[];
  env?: { name: string; value?: string }[];
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  containers: Container[];
  topologySpreadConstraints?: unknown[];
}
const podOf = (deployment: K8sObject | undefined) =>
  (deployment?.spec as { template: { spec: PodSpec } } | undefined)?.template.spec;

describe.skipIf(!helm)('helm chart deploy/helm/llm-gateway', () => {
  const check = validators();

  it('the validator refuses what Kubernetes would (a wrong type, an unknown field): it can fail', () => {
    const [deployment] = render(['--show-only', 'templates/gateway-deployment.yaml']);
    expect(schemaErrors([deployment!], check)).toEqual([]);
    const broken = structuredClone(deployment!) as K8sObject & {
      spec: { replicas?: unknown; replica?: number };
    };
    broken.spec.replicas = 'two';
    broken.spec.replica = 2;
    const errors = schemaErrors([broken], check);
    expect(errors).toContain('apps/v1/Deployment gw-llm-gateway: /spec/replicas must be integer,null');
    expect(errors).toContain('apps/v1/Deployment gw-llm-gateway: /spec must NOT have additional properties');
  });

  it.each(
    profiles,
  )('helm lint and template with configs/%s: every object valid, probes and drain wired', (file) => {
    const profileArgs = ['--set-file', `profile.content=${join(repoRoot, 'configs', file)}`];
    const lint = spawnSync(
      helm!,
      ['lint', '--strict', chart, '--kube-version', kubeVersion, ...profileArgs],
      {
        encoding: 'utf8',
      },
    );
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);

    const objects = render([
      ...profileArgs,
      '--set',
      'redis.bundled.enabled=true,mongodb.bundled.enabled=true,ingress.enabled=true,secretEnv.TOKEN_SECRET=s3cr3t-e2e',
    ]);
    expect(schemaErrors(objects, check)).toEqual([]);

    // The profile travels whole in its ConfigMap; secrets only in the Secret.
    const profileText = readFileSync(join(repoRoot, 'configs', file), 'utf8');
    expect(find(objects, 'ConfigMap', 'gw-llm-gateway-profile')?.data?.['profile.yaml']).toBe(
      profileText.trimEnd(),
    );
    expect(find(objects, 'ConfigMap', 'gw-llm-gateway-env')?.data).toMatchObject({
      GATEWAY_PROFILE: '/etc/llm-gateway/profile.yaml',
      REDIS_URL: 'redis://gw-llm-gateway-redis:6379/0',
      MONGO_URI: 'mongodb://gw-llm-gateway-mongodb:27017',
    });
    expect(JSON.stringify(objects.filter((o) => o.kind !== 'Secret'))).not.toContain('s3cr3t-e2e');
    expect(find(objects, 'Secret', 'gw-llm-gateway')?.data?.['TOKEN_SECRET']).toBe(
      Buffer.from('s3cr3t-e2e').toString('base64'),
    );

    const gateway = podOf(find(objects, 'Deployment', 'gw-llm-gateway'))!;
    const [container] = gateway.containers;
    expect(container?.args).toEqual(['start']);
    expect(container?.livenessProbe?.httpGet?.path).toBe('/livez');
    expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz');
    // The grace period covers preStop, in-flight requests and the telemetry flush (2 x shutdownTimeoutMs) and the exit.
    const preStop = Number(container?.lifecycle?.preStop?.exec?.command.at(-1));
    expect(preStop).toBeGreaterThan(0);
    expect(gateway.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + 2 * 10 + 5);
    expect(gateway.topologySpreadConstraints?.length).toBeGreaterThan(0);
    expect(find(objects, 'HorizontalPodAutoscaler', 'gw-llm-gateway')).toBeDefined();
    expect(find(objects, 'PodDisruptionBudget', 'gw-llm-gateway')).toBeDefined();
    expect(find(objects, 'Ingress', 'gw-llm-gateway')).toBeDefined();
    expect(objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false);

    // The worker exactly when the profile has a task queue; then the gateways are API-only.
    const hasQueue = /^queue:/m.test(profileText);
    const worker = podOf(find(objects, 'Deployment', 'gw-llm-gateway-worker'));
    expect(worker !== undefined).toBe(hasQueue);
    if (worker) {
      const [workerContainer] = worker.containers;
      expect(workerContainer?.args).toEqual(['worker']);
      expect(workerContainer?.env).toContainEqual({ name: 'WORKER_METRICS_PORT', value: '9464' });
      expect(workerContainer?.livenessProbe?.httpGet?.path).toBe('/livez');
      expect(container?.env).toContainEqual({ name: 'WORKERS', value: '0' });
    }
  });

  it('values.schema.json refuses a misspelt value key and a wrong type, naming them', () => {
    const refused = (set: string) =>
      spawnSync(helm!, ['template', 'gw', chart, '--kube-version', kubeVersion, '--set', set], {
        encoding: 'utf8',
      });
    const typo = refused('autoscalling.enabled=true');
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/additional properties 'autoscalling' not allowed/);
    const wrongType = refused('drain.preStopSeconds=soon');
    expect(wrongType.status).not.toBe(0);
    expect(wrongType.stderr).toMatch(/preStopSeconds/);
  });

  it('the ServiceMonitors only where the cluster serves monitoring.coreos.com/v1; the grace period follows the profile', () => {
    const args = ['--set-file', `profile.content=${join(repoRoot, 'configs/all-surfaces.yaml')}`];
    const monitors = render([...args, '--api-versions', 'monitoring.coreos.com/v1']).filter(
      (o) => o.kind === 'ServiceMonitor',
    );
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([
      'gw-llm-gateway-gateway',
      'gw-llm-gateway-worker',
    ]);
    expect(monitors.map((m) => (m.spec as { jobLabel: string }).jobLabel)).toEqual([
      'llm-gateway/job',
      'llm-gateway/job',
    ]);

    const slow = join(mkdtempSync(join(tmpdir(), 'e2e-helm-')), 'slow.yaml');
    writeFileSync(slow, 'server:\n  shutdownTimeoutMs: 45000\n  drainDelayMs: 2500\n');
    const objects = render(['--set-file', `profile.content=${slow}`, '--set', 'drain.preStopSeconds=7']);
    // 7 (preStop) + 3 (drain delay, rounded up) + 2 x 45 + 5.
    expect(podOf(find(objects, 'Deployment', 'gw-llm-gateway'))?.terminationGracePeriodSeconds).toBe(105);
  });
});
