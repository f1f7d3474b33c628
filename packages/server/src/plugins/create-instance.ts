import {
  type Backend,
  type Disabled,
  disabled,
  isDisabled,
  type Logger,
  type ManagedKeyLookup,
  type PluginHost,
  type PluginKind,
} from '@llm-gateway/spec';
import { formatIssues, unknownKeyIssue } from '../profile/format-issues.js';
import type { PluginInstanceConfig } from '../profile/plugin-section.js';
import { ProfileError } from '../profile/profile-error.js';
import { strippedKeys } from '../profile/schema-keys.js';
import { instanceProblems } from './check-instance.js';
import { enableHint } from './enable-hint.js';
import { guardBackend } from './guard-backend.js';
import { type LoadPluginOptions, loadPlugin, pluginFile } from './load-plugin.js';
import type { PluginFaults } from './plugin-faults.js';

export type ProfileSection = 'backends' | 'auth' | 'surfaces' | 'telemetry' | 'queue';

/** What `gateway check` prints and `/health` reports: one line per configured instance. */
export interface InstanceSummary {
  section: ProfileSection;
  name: string;
  plugin: string;
  enabled: boolean;
  reason?: string;
  /** For a disabled instance: what to set to switch it on (`OPENAI_API_KEY`), when the plugin says. */
  enableWith?: string;
}

export interface CreateInstanceOptions extends LoadPluginOptions {
  /** Profile file, for error messages. */
  source: string;
  log: Logger;
  /** The variables each profile key path reads, to name what enables a disabled instance. */
  variables?: ReadonlyMap<string, readonly string[]> | undefined;
  /** This process's cluster worker number, passed to every plugin host (absent: the gateway runs alone). */
  worker?: number | undefined;
  /** Counts and logs faults that escape plugin code; absent, instances are used as created. */
  faults?: PluginFaults | undefined;
  /** Managed API keys, handed to every plugin host (API-key schemes consult them). */
  managedKeys?: ManagedKeyLookup | undefined;
}

const labels: Record<PluginKind, string> = {
  backend: 'backend',
  auth: 'auth scheme',
  surface: 'surface',
  sink: 'telemetry sink',
  queue: 'queue',
};

/**
 * Loads the instance's plugin, validates its `config` with the plugin's schema, and creates it.
 * Every failure is a ProfileError naming the key (`backends.openai.config.apiKey: ...`).
 */
export async function createInstance<Instance, Host extends PluginHost>(
  section: ProfileSection,
  kind: PluginKind,
  name: string,
  instance: PluginInstanceConfig,
  host: Host,
  options: CreateInstanceOptions,
): Promise<{ value: Instance | Disabled; summary: InstanceSummary }> {
  const summary = (value: Instance | Disabled): InstanceSummary => {
    if (!isDisabled(value)) return { section, name, plugin: instance.plugin, enabled: true };
    const enableWith = enableHint(`${section}.${name}.config`, value.missing, options.variables);
    if (enableWith === undefined)
      return { section, name, plugin: instance.plugin, enabled: false, reason: value.reason };
    const reason = `${value.reason} (set ${enableWith})`;
    return { section, name, plugin: instance.plugin, enabled: false, reason, enableWith };
  };
  const fail = (path: string, message: string, cause?: unknown) =>
    new ProfileError(options.source, [{ path: `${section}.${name}${path}`, message }], { cause });

  if (!instance.enabled) {
    const value = disabled('switched off in the profile (enabled: false)');
    options.log.info(`${labels[kind]} ${name} disabled: ${value.reason}`);
    return { value, summary: summary(value) };
  }

  let definition: Awaited<ReturnType<typeof loadPlugin>>;
  try {
    definition = await loadPlugin(instance.plugin, kind, options);
  } catch (error) {
    throw fail('.plugin', error instanceof Error ? error.message : String(error), error);
  }

  const parsed = definition.configSchema.safeParse(instance.config ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw new ProfileError(
      options.source,
      formatIssues(parsed.error.issues, [section, name, 'config'], definition.configSchema),
    );
  }
  const stripped = strippedKeys(definition.configSchema, instance.config ?? {});
  if (stripped.length > 0) {
    const issues = stripped.map((key) =>
      unknownKeyIssue([section, name, 'config'], key, definition.configSchema),
    );
    throw new ProfileError(options.source, issues);
  }

  let value: Instance | Disabled;
  try {
    value = (await definition.create(parsed.data, host)) as Instance | Disabled;
  } catch (error) {
    throw fail('', `could not be created: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const result = summary(value);
  if (isDisabled(value)) {
    options.log.info(`${labels[kind]} ${name} disabled: ${result.reason}`);
    return { value, summary: result };
  }
  const problems = instanceProblems(kind, value);
  if (problems.length > 0)
    throw fail('', `plugin '${instance.plugin}' created an invalid ${labels[kind]}: ${problems.join('; ')}`);
  const who = { plugin: instance.plugin, instance: name };
  options.faults?.addSource(pluginFile(definition), who);
  if (kind === 'backend' && options.faults)
    value = guardBackend(value as Backend, who, options.faults) as Instance;
  return { value, summary: result };
}

/**
 * Creates every instance of one profile section in profile order, each with its own host; returns the
 * enabled ones by name and every summary. If one fails, those already created are closed first.
 */
export async function createInstances<Instance extends { close?(): Promise<void> }>(
  section: ProfileSection,
  kind: PluginKind,
  entries: Record<string, PluginInstanceConfig>,
  log: Logger,
  options: CreateInstanceOptions,
): Promise<{ enabled: Map<string, Instance>; summaries: InstanceSummary[] }> {
  const enabled = new Map<string, Instance>();
  const summaries: InstanceSummary[] = [];
  try {
    for (const [name, instance] of Object.entries(entries)) {
      const host: PluginHost = {
        instanceName: name,
        log: log.child({ plugin: instance.plugin, kind, instance: name }) as Logger,
        ...(options.worker === undefined ? {} : { worker: options.worker }),
        ...(options.managedKeys ? { managedKeys: options.managedKeys } : {}),
      };
      const created = await createInstance<Instance, typeof host>(
        section,
        kind,
        name,
        instance,
        host,
        options,
      );
      summaries.push(created.summary);
      if (!isDisabled(created.value)) enabled.set(name, created.value);
    }
  } catch (error) {
    await Promise.allSettled([...enabled.values()].map((value) => value.close?.()));
    throw error;
  }
  return { enabled, summaries };
}
