export { createInstance, type InstanceSummary, type ProfileSection } from './create-instance.js';
export {
  type AnyPluginDefinition,
  checkDefinition,
  type LoadPluginOptions,
  loadPlugin,
  PluginLoadError,
  pluginCandidates,
  resolvePlugin,
} from './load-plugin.js';
