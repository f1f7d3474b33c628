import type { ServerResponse } from 'node:http';
import type { RequestAnnotations } from '@llm-gateway/spec';
import type { GatewayRequestState } from './request-state.js';

/** Milliseconds to at most three decimals, as Server-Timing and telemetry records carry them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Where the time to a response's head went: the upstream attempts' (absent: none made) and the rest. */
export interface TimingSplit {
  gatewayMs: number;
  upstreamMs: number | undefined;
}

export function splitTiming(totalMs: number, annotations: RequestAnnotations): TimingSplit {
  const upstreamMs = annotations.upstreamMs;
  // Upstream time is measured inside the total; the clamp only guards against rounding.
  return { gatewayMs: Math.max(0, totalMs - (upstreamMs ?? 0)), upstreamMs };
}

/** The W3C `Server-Timing` value, e.g. `gateway;dur=0.84, upstream;dur=51.2` (`cache;desc=hit` from cache). */
export function serverTimingValue(split: TimingSplit, cacheHit: boolean): string {
  let value = `gateway;dur=${roundMs(split.gatewayMs)}`;
  if (split.upstreamMs !== undefined) value += `, upstream;dur=${roundMs(split.upstreamMs)}`;
  return cacheHit ? `${value}, cache;desc=hit` : value;
}

/**
 * Sets `Server-Timing` (and `state.gatewayMs`) when the response head is written: JSON answers, errors
 * and streams a surface hijacked and writes itself all pass through `writeHead`, so no surface has to.
 */
export function timeResponseHead(state: GatewayRequestState): void {
  const raw = state.reply.raw;
  const original = raw.writeHead;
  raw.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    raw.writeHead = original;
    const split = splitTiming(performance.now() - state.startedAt, state.annotations);
    state.gatewayMs = split.gatewayMs;
    raw.setHeader('server-timing', serverTimingValue(split, state.annotations.cacheHit === true));
    return original.apply(this, args);
  } as ServerResponse['writeHead'];
}
