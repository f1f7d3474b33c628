import { loadProfile, resolveProfilePath } from '../profile/load-profile.js';
import { type RunningServer, startServer } from '../server/start-server.js';
import type { CliIo } from './io.js';

/** `gateway start [--profile f]`: loads the profile (flag, GATEWAY_PROFILE, configs/default.yaml) and listens. */
export async function startCommand(profileArg: string | undefined, io: CliIo): Promise<RunningServer> {
  const file = resolveProfilePath({ profile: profileArg, env: io.env, cwd: io.cwd });
  const profile = await loadProfile(file, { env: io.env });
  return startServer(profile, { cwd: io.cwd, handleSignals: io.handleSignals });
}
