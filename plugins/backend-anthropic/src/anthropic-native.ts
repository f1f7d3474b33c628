/** The native path: a client's own Messages body sent as it is, so fields the gateway does not model reach Claude. */
import type { ChatRequest, NativeRequest } from '@llm-gateway/spec';

export const anthropicWire = 'anthropic-messages';

/** The native request when it is in Anthropic's wire, else undefined (the normalized fields are used). */
export function anthropicNative(request: ChatRequest): NativeRequest | undefined {
  return request.native?.wire === anthropicWire ? request.native : undefined;
}

/** The client's body with the routed model and this call's `stream`; everything else untouched. */
export function nativeAnthropicBody(
  native: NativeRequest,
  model: string,
  stream: boolean,
): Record<string, unknown> {
  return { ...native.body, model, stream };
}
