import { type Principal, principalKey, type RequestContext } from '@llm-gateway/spec';

/** Whom a budget counts: each principal, project, DSP-style client or API key on its own. */
export type BudgetScope = 'principal' | 'project' | 'client' | 'key';

/** The value a request is counted under for a scope, or undefined when the scope does not apply to it. */
export function scopeValue(scope: BudgetScope, context: RequestContext): string | undefined {
  const principal: Principal = context.principal;
  if (principal.kind === 'anonymous' && scope !== 'principal') return undefined;
  switch (scope) {
    case 'principal':
      return principalKey(principal);
    case 'project':
      return context.annotations.projectName ?? principal.attributes?.['project_name'];
    case 'client':
      return principal.kind === 'client' ? principalKey(principal) : undefined;
    case 'key':
      return principal.kind === 'api_key' ? principalKey(principal) : undefined;
  }
}

/** Whether a budget's `match` names this request's scope value (the namespaced key or the bare principal id). */
export function matches(match: string | undefined, value: string, context: RequestContext): boolean {
  return match === undefined || match === value || match === context.principal.id;
}
