import { GatewayError } from '@llm-gateway/spec';

/** DeepSeek answers 402 when the account is out of balance: the gateway's problem, not the client's. */
export function mapDeepSeekError(backend: string, error: unknown): GatewayError | undefined {
  if (typeof error !== 'object' || error === null || (error as { status?: unknown }).status !== 402)
    return undefined;
  return new GatewayError('upstream_error', `${backend} upstream refused the call: insufficient balance`, {
    backend,
    upstreamStatus: 402,
    code: 'upstream_insufficient_balance',
    cause: error,
  });
}
