import type { RequestContext } from '@llm-gateway/spec';

/** Adds one upstream attempt's time to the request's (retries and fallbacks add up; Server-Timing splits on it). */
export function addUpstreamTime(context: RequestContext, ms: number): void {
  const annotations = context.annotations;
  annotations.upstreamMs = (annotations.upstreamMs ?? 0) + ms;
}
