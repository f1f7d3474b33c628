import { randomBytes } from 'node:crypto';
import type { CallMeta } from '@llm-gateway/spec';

/** An Anthropic-style id: the upstream's own `msg_` id when it has one and the answer is fresh, else a new one. */
export function messageId(upstreamId: unknown, meta: Pick<CallMeta, 'cached'>): string {
  if (typeof upstreamId === 'string' && upstreamId.startsWith('msg_') && !meta.cached) return upstreamId;
  return `msg_${randomBytes(12).toString('hex')}`;
}

/** An id for a tool call whose upstream gave none. */
export function toolUseId(): string {
  return `toolu_${randomBytes(12).toString('hex')}`;
}
