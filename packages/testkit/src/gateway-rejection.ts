import { GatewayError } from '@llm-gateway/spec';
import { expect } from 'vitest';

/** The GatewayError a promise rejects with; the test fails when it resolves or rejects with anything else. */
export async function gatewayRejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}
