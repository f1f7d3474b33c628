import { perWorkerState } from '../cluster/per-worker-state.js';
import type { InstanceSummary } from '../plugins/create-instance.js';
import { loadProfile, resolveProfilePath } from '../profile/load-profile.js';
import type { Profile } from '../profile/schema.js';
import { buildServer } from '../server/build-server.js';
import type { CliIo } from './io.js';

function describe(instance: InstanceSummary): string {
  const state = instance.enabled ? 'enabled' : `disabled: ${instance.reason ?? 'no reason given'}`;
  return `${instance.name} (${instance.plugin}) ${state}`;
}

/** The start-up summary `check` prints: what would run, and what is switched off and why. */
export function summarize(profile: Profile, instances: readonly InstanceSummary[]): string[] {
  const section = (name: InstanceSummary['section']) =>
    instances
      .filter((instance) => instance.section === name)
      .map(describe)
      .join('; ') || 'none';
  const surfaces =
    Object.entries(profile.surfaces)
      .map(([name, surface]) => {
        const instance = instances.find((i) => i.section === 'surfaces' && i.name === name);
        const auth = surface.auth.length ? surface.auth.join(', ') : 'anonymous';
        const state = instance?.enabled ? '' : ` disabled: ${instance?.reason ?? ''}`;
        return `${name} (${surface.plugin}) at ${surface.prefix || '/'} auth [${auth}]${state}`;
      })
      .join('; ') || 'none';
  const routes = Object.keys(profile.routing.models).length;
  return [
    `service   ${profile.service.name} ${profile.service.version}`,
    `listen    ${profile.server.host}:${profile.server.port}`,
    `backends  ${section('backends')}`,
    `auth      ${section('auth')}`,
    `surfaces  ${surfaces}`,
    `routing   default model ${profile.routing.defaultModel ?? '(none)'}; ${routes} route${routes === 1 ? '' : 's'}`,
    `telemetry ${section('telemetry')}`,
    ...(profile.server.workers > 1
      ? [
          `workers   ${profile.server.workers} processes; each keeps its own ${perWorkerState(profile).join('; ')}`,
        ]
      : []),
  ];
}

/** `gateway check <profile>`: validates the profile and builds every plugin, without listening. */
export async function checkCommand(profileArg: string | undefined, io: CliIo): Promise<number> {
  const file = resolveProfilePath({ profile: profileArg, env: io.env, cwd: io.cwd });
  const profile = await loadProfile(file, { env: io.env });
  const gateway = await buildServer(profile, {
    cwd: io.cwd,
    // Checking a profile must not take tasks off a live queue.
    workers: 0,
    logStream: {
      write(line: string) {
        // Only warnings and errors matter to someone checking a profile; info lines are the summary's job.
        const entry = JSON.parse(line) as { level: number; msg?: string };
        if (entry.level >= 40) io.stderr(`warning: ${entry.msg ?? line}`);
      },
    },
  });
  const lines = summarize(profile, gateway.instances);
  await gateway.close();
  io.stdout(`OK ${profile.source ?? file}`);
  for (const line of lines) io.stdout(line);
  return 0;
}
