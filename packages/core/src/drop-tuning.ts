import type { Backend, ChatRequest, RequestAnnotations, TuningParam, TuningParams } from '@llm-gateway/spec';

/**
 * The request as `backend` may receive it: tuning parameters it does not declare are removed and listed
 * in `annotations.droppedTuning` (each attempt overwrites it, so it names what the answering backend lost).
 */
export function tuneForBackend(
  request: ChatRequest,
  backend: Backend,
  annotations: RequestAnnotations,
): ChatRequest {
  const tuning = request.tuning;
  if (!tuning) return request;
  const honoured = backend.tuning ?? [];
  const kept: Record<string, unknown> = {};
  const dropped: TuningParam[] = [];
  for (const key of Object.keys(tuning) as TuningParam[]) {
    if (tuning[key] === undefined) continue;
    if (honoured.includes(key)) kept[key] = tuning[key];
    else dropped.push(key);
  }
  if (dropped.length === 0) {
    delete annotations.droppedTuning;
    return request;
  }
  annotations.droppedTuning = dropped;
  const { tuning: _all, ...rest } = request;
  return Object.keys(kept).length > 0 ? { ...rest, tuning: kept as TuningParams } : rest;
}

/**
 * The request without its relay ask when `backend` cannot relay that wire, or when the answer would need
 * rewriting: the client asked for a model id (an alias, a `backend/model` name) other than the target's.
 */
export function relayForBackend(
  request: ChatRequest,
  backend: Backend,
  annotations: RequestAnnotations,
): ChatRequest {
  const relay = request.relay;
  if (!relay) return request;
  if (backend.relayWires?.includes(relay.wire) && request.model === annotations.requestedModel)
    return request;
  const { relay: _relay, ...rest } = request;
  return rest;
}

/** The request as one backend receives it: tuning it does not honour and a relay it cannot serve removed. */
export function requestForBackend(
  request: ChatRequest,
  backend: Backend,
  annotations: RequestAnnotations,
): ChatRequest {
  return relayForBackend(tuneForBackend(request, backend, annotations), backend, annotations);
}
