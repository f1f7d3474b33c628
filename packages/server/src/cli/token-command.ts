import { type AuthScheme, isDisabled, type Logger, type PluginHost } from '@llm-gateway/spec';
import { createInstance } from '../plugins/create-instance.js';
import { loadProfile, resolveProfilePath } from '../profile/load-profile.js';
import type { CliIo } from './io.js';

/** Plugin logs for a command whose stdout is its result: warnings and errors go to stderr, the rest nowhere. */
function stderrLogger(io: CliIo): Logger {
  const quiet = () => {};
  const loud =
    (label: string) =>
    (first: string | object, message?: string): void => {
      io.stderr(`${label}: ${typeof first === 'string' ? first : (message ?? JSON.stringify(first))}`);
    };
  const logger: Logger = {
    debug: quiet,
    info: quiet,
    warn: loud('warning'),
    error: loud('error'),
    child: () => logger,
  };
  return logger;
}

export interface TokenOptions {
  soeid: string | undefined;
  projectId?: string | undefined;
  profile?: string | undefined;
}

/**
 * `gateway token <soeid> [--project-id X] [--profile f]`: issues the token `/generate-token` would, with
 * the profile's first auth scheme that issues tokens (auth-jwt), for operators handing tokens out.
 */
export async function tokenCommand(options: TokenOptions, io: CliIo): Promise<number> {
  const soeid = options.soeid?.trim();
  if (!soeid) throw new Error('a SOEID is required: gateway token <soeid> [--project-id X] [--profile f]');
  const file = resolveProfilePath({ profile: options.profile, env: io.env, cwd: io.cwd });
  const profile = await loadProfile(file, { env: io.env });
  const log = stderrLogger(io);
  const source = profile.source ?? file;

  const created: AuthScheme[] = [];
  try {
    for (const [name, instance] of Object.entries(profile.auth)) {
      const host: PluginHost = { instanceName: name, log };
      const { value } = await createInstance<AuthScheme, PluginHost>('auth', 'auth', name, instance, host, {
        source,
        log,
        cwd: io.cwd,
      });
      if (isDisabled(value)) continue;
      created.push(value);
      if (!value.issueToken) continue;
      const projectId = options.projectId?.trim();
      io.stdout(await value.issueToken(soeid, projectId ? { project_id: projectId } : undefined));
      return 0;
    }
  } finally {
    await Promise.allSettled(created.map((scheme) => scheme.close?.()));
  }
  throw new Error(`no enabled auth scheme in ${source} issues tokens (auth-jwt with a secret does)`);
}
