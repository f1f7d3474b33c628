import type { ManagedKeyIdentity, Principal } from '@llm-gateway/spec';

/** The principal of a managed key: its id, project, models, limits and budgets. */
export function managedPrincipal(identity: ManagedKeyIdentity, scheme: string): Principal {
  const principal: Principal = { id: identity.id, kind: 'api_key', scheme };
  if (identity.project) principal.attributes = { project_name: identity.project };
  if (identity.models) principal.allowedModels = identity.models;
  if (identity.limits) principal.limits = identity.limits;
  if (identity.budgets && identity.budgets.length > 0) principal.budgets = identity.budgets;
  return principal;
}
