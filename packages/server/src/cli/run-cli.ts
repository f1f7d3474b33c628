import { parseArgs } from 'node:util';
import { ProfileError } from '../profile/profile-error.js';
import type { GatewayServer } from '../server/build-server.js';
import type { RunningServer } from '../server/start-server.js';
import { checkCommand } from './check-command.js';
import { hashSecretCommand, rewriteSecretsCommand } from './hash-secret-command.js';
import type { CliIo } from './io.js';
import { keysCommand } from './keys-command.js';
import { newPluginCommand } from './new-plugin-command.js';
import { startCommand } from './start-command.js';
import { telemetryCommand } from './telemetry-command.js';
import { tokenCommand } from './token-command.js';
import { workerCommand } from './worker-command.js';

export type CliResult = { exitCode: number } | { running: RunningServer } | { worker: GatewayServer };

interface CommandArgs {
  positionals: string[];
  profile: string | undefined;
  projectId?: string | undefined;
  rewrite?: string | undefined;
  dir?: string | undefined;
  wire?: string | undefined;
}

interface Command {
  usage: string;
  run(args: CommandArgs, io: CliIo): Promise<CliResult>;
}

/** Subcommands; `token`, `hash-secret` and `worker` join this table. */
export const commands: Record<string, Command> = {
  start: {
    usage:
      'start [--profile <file>]    serve the gateway (profile: --profile, GATEWAY_PROFILE, configs/default.yaml)',
    run: (args, io) => startCommand(args.profile ?? args.positionals[0], io),
  },
  worker: {
    usage: "worker [--profile <file>]   run tasks from the profile's queue (queue.workers at once), no HTTP",
    run: async (args, io) => ({ worker: await workerCommand(args.profile ?? args.positionals[0], io) }),
  },
  check: {
    usage: 'check [<profile>]           validate a profile and build its plugins without listening',
    run: async (args, io) => ({ exitCode: await checkCommand(args.positionals[0] ?? args.profile, io) }),
  },
  'hash-secret': {
    usage:
      'hash-secret [<secret>]      print the scrypt hash for a client file (the secret from stdin when not given)\n' +
      '  gateway hash-secret --rewrite <dir>  replace each plaintext client_secret in the client files of <dir> by its hash',
    run: async (args, io) => ({
      exitCode:
        args.rewrite === undefined
          ? await hashSecretCommand(args.positionals[0], io)
          : await rewriteSecretsCommand(args.rewrite, io),
    }),
  },
  'new-plugin': {
    usage:
      'new-plugin <backend|auth> <name> [--dir <dir>] [--wire openai|custom]  write a plugin package (source, README, conformance tests, build config)',
    run: async ({ positionals: [kind, name], dir, wire }, io) => ({
      exitCode: await newPluginCommand(kind, name, dir, io, wire),
    }),
  },
  telemetry: {
    usage:
      'telemetry replay [--profile <file>]  move CSV-spooled telemetry into the first reachable MongoDB sink\n' +
      '  gateway telemetry replay-quarantine [--profile <file>]  write the quarantined records (refused by a store) again',
    run: async ({ positionals: [action], profile }, io) => ({
      exitCode: await telemetryCommand(action, profile, io),
    }),
  },
  keys: {
    usage:
      'keys create <name> [project=X models=a,b rpm=N tpd=N budget.day.usd=N expires_at=ISO] | list | revoke <id> | rotate <id>\n' +
      '                              managed API keys through the running gateway (GATEWAY_URL, GATEWAY_ADMIN_KEY)',
    run: async ({ positionals: [action, ...rest] }, io) => ({
      exitCode: await keysCommand(action, rest, io),
    }),
  },
  token: {
    usage:
      "token <soeid> [--project-id X]  issue a dgen-ping JWT with the profile's first token-issuing auth scheme",
    run: async ({ positionals: [soeid], ...rest }, io) => ({
      exitCode: await tokenCommand({ soeid, ...rest }, io),
    }),
  },
};

function usage(): string {
  return [
    'usage: gateway <command> [options]',
    '',
    ...Object.values(commands).map((c) => `  gateway ${c.usage}`),
  ].join('\n');
}

/** Runs one CLI invocation; failures become a message on stderr and exit code 1, never a stack trace. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<CliResult> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr(`gateway: ${(error as Error).message}\n\n${usage()}`);
    return { exitCode: 1 };
  }
  const [name, ...positionals] = parsed.positionals;
  if (parsed.values.help || !name || name === 'help') {
    io.stdout(usage());
    return { exitCode: name || parsed.values.help ? 0 : 1 };
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`gateway: unknown command '${name}'\n\n${usage()}`);
    return { exitCode: 1 };
  }
  try {
    const { profile, 'project-id': projectId, rewrite, dir, wire } = parsed.values;
    return await command.run({ positionals, profile, projectId, rewrite, dir, wire }, io);
  } catch (error) {
    if (error instanceof ProfileError) io.stderr(error.message);
    else io.stderr(`gateway ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return { exitCode: 1 };
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string', short: 'p' },
      'project-id': { type: 'string' },
      rewrite: { type: 'string' },
      dir: { type: 'string' },
      wire: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
