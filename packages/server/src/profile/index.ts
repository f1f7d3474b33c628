export { type BackendSetConfig, backendSetsSection, expandBackendSets } from './backend-sets.js';
export { envBoolean, envNumber, optionalString } from './coerce.js';
export { formatIssues, type ProfileIssue } from './format-issues.js';
export { InterpolationError, interpolateEnv } from './interpolate.js';
export {
  defaultProfile,
  loadProfile,
  type ParseProfileOptions,
  type ProfileChoice,
  parseProfile,
  resolveProfilePath,
} from './load-profile.js';
export type { PluginInstanceConfig, SurfaceInstanceConfig } from './plugin-section.js';
export { ProfileError } from './profile-error.js';
export { callTimeoutMs } from './resilience-section.js';
export { type Profile, type ProfileData, profileSchema } from './schema.js';
export { resolveStore, type StoreChoice } from './store-field.js';
