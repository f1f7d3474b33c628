import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@llm-gateway/spec';
import { Counter, type Registry } from 'prom-client';

/** Who a fault belongs to: the profile's `plugin:` value and the instance (profile key). */
export interface PluginIdentity {
  plugin: string;
  instance: string;
}

/** How long a call may run on after its signal fired before it counts as abandoned. */
const defaultAbandonGraceMs = 1000;

/** Label value for a rejection no loaded plugin's code appears in. */
const unattributed: PluginIdentity = { plugin: 'unattributed', instance: 'unattributed' };

/** The directory of the package a module file belongs to (its nearest package.json). */
export function packageRoot(file: string): string {
  let dir = path.dirname(file);
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.dirname(file);
    dir = parent;
  }
  return dir;
}

function stackOf(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? '';
  return '';
}

/**
 * Counts and logs what escapes plugin code, each line and sample naming the plugin and the instance:
 * thrown bugs and invalid answers, calls left running after their signal, and process-level rejections
 * and exceptions whose stack runs through a loaded plugin's package.
 */
export class PluginFaults {
  readonly #log: Logger;
  readonly #errors: Counter<'plugin' | 'instance' | 'kind'>;
  readonly #abandoned: Counter<'plugin' | 'instance'>;
  /** Package directory -> the instances created from it, for stack-based attribution. */
  readonly #sources = new Map<string, PluginIdentity[]>();
  readonly abandonGraceMs: number;

  constructor(registry: Registry, log: Logger, options: { abandonGraceMs?: number } = {}) {
    this.#log = log;
    this.abandonGraceMs = options.abandonGraceMs ?? defaultAbandonGraceMs;
    this.#errors = new Counter({
      name: 'gateway_plugin_errors_total',
      help: 'Faults that escaped plugin code: exceptions that are not GatewayErrors, invalid answers, unhandled rejections',
      labelNames: ['plugin', 'instance', 'kind'],
      registers: [registry],
    });
    this.#abandoned = new Counter({
      name: 'gateway_plugin_calls_abandoned_total',
      help: 'Plugin calls still running after their abort signal fired and the grace period passed (leaked)',
      labelNames: ['plugin', 'instance'],
      registers: [registry],
    });
  }

  /** A logger whose every line names the plugin and the instance. */
  logger(who: PluginIdentity, parent: Logger = this.#log): Logger {
    return parent.child({ plugin: who.plugin, instance: who.instance });
  }

  /** Remembers which package an instance's code lives in, so stack traces attribute faults to it. */
  addSource(file: string | undefined, who: PluginIdentity): void {
    if (file === undefined) return;
    const root = packageRoot(file.startsWith('file:') ? fileURLToPath(file) : file);
    this.#sources.set(root, [...(this.#sources.get(root) ?? []), who]);
  }

  /** A fault in a call the plugin answered wrongly (or threw a non-GatewayError). */
  error(who: PluginIdentity, kind: string, err: unknown, message: string, log?: Logger): void {
    this.#errors.inc({ ...who, kind });
    this.logger(who, log).error({ err, fault: kind }, message);
  }

  abandoned(who: PluginIdentity, operation: string): void {
    this.#abandoned.inc(who);
    this.logger(who).warn(
      { operation, graceMs: this.abandonGraceMs },
      `${operation} ignored its abort signal: abandoned, still running (leaked)`,
    );
  }

  /** The instance whose package the error's stack runs through; all of them when several share it. */
  attribute(reason: unknown): PluginIdentity | undefined {
    const stack = stackOf(reason);
    if (stack === '') return undefined;
    for (const [root, identities] of this.#sources) {
      if (!stack.includes(root + path.sep)) continue;
      const first = identities[0]!;
      if (identities.length === 1) return first;
      return { plugin: first.plugin, instance: identities.map((who) => who.instance).join(',') };
    }
    return undefined;
  }

  /**
   * Keeps the process serving when plugin code rejects or throws outside any call. A rejection is logged
   * and counted (attributed when its stack shows a plugin); an uncaught exception from a plugin likewise,
   * while one from elsewhere ends the process as Node would (the cluster primary replaces a worker)
   * unless another listener (a test runner, an embedding app) takes it.
   * Returns the uninstaller.
   */
  install(): () => void {
    const onRejection = (reason: unknown) => {
      const who = this.attribute(reason) ?? unattributed;
      this.error(
        who,
        'unhandled_rejection',
        reason,
        'unhandled rejection escaped plugin code; still serving',
      );
    };
    const onException = (error: unknown) => {
      const who = this.attribute(error);
      if (who) {
        this.error(who, 'uncaught_exception', error, 'uncaught exception escaped plugin code; still serving');
        return;
      }
      // Someone else listens (a test runner, an embedding app): theirs to handle.
      if (process.listenerCount('uncaughtException') > 1) return;
      this.#log.error({ err: error }, 'uncaught exception outside any plugin: exiting');
      process.exitCode = 1;
      setImmediate(() => process.exit(1));
    };
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    return () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    };
  }
}
