import { GatewayError } from '@llm-gateway/spec';

/** A 400 naming the field at fault the way Anthropic does (`messages.0.content: ...`). */
export function invalid(field: string, detail: string): GatewayError {
  return new GatewayError('invalid_request', `${field}: ${detail}`, {
    param: field,
    code: 'invalid_request',
  });
}

export function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(field, 'Input should be a valid dictionary');
  }
  return value as Record<string, unknown>;
}

export function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'Input should be a valid string');
  return value;
}
