import { startOtlpReceiver } from '@llm-gateway/testkit';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayTracing, startTracing, systemOfPlugin, tracingRequested } from './tracing.js';

const service = { name: 'unit-gateway', version: '1.2.3' };
let started: GatewayTracing | undefined;

afterEach(async () => {
  await started?.shutdown();
  started = undefined;
});

/** Whether a global tracer provider is registered: the API's proxy then hands out recording spans. */
function recording(): boolean {
  const span = trace.getTracer('probe').startSpan('probe');
  span.end();
  return span.isRecording();
}

describe('startTracing', () => {
  it('registers no tracer provider, propagator or context manager without an OTLP endpoint', () => {
    started = startTracing({}, service);
    expect(started).toBeUndefined();
    expect(recording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    expect(carrier).toEqual({});
  });

  it('stays off when OTEL_SDK_DISABLED is true, whatever the endpoint', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' };
    expect(tracingRequested(env)).toBe(false);
    expect(startTracing(env, service)).toBeUndefined();
    expect(recording()).toBe(false);
  });

  it('exports spans to the traces endpoint with OTEL_SERVICE_NAME, and unregisters on shutdown', async () => {
    const receiver = await startOtlpReceiver();
    try {
      started = startTracing(
        {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
          OTEL_SERVICE_NAME: 'named-by-env',
        },
        service,
      );
      expect(started).toBeDefined();
      expect(propagation.fields()).toContain('traceparent');
      started!.tracer.startSpan('unit span').end();
      await started!.shutdown();
      started = undefined;
      const span = await receiver.waitFor((s) => s.name === 'unit span');
      expect(span.resource).toMatchObject({ 'service.name': 'named-by-env', 'service.version': '1.2.3' });
      expect(recording()).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});

describe('systemOfPlugin', () => {
  it('names the provider of a backend plugin', () => {
    expect(systemOfPlugin('backend-openai')).toBe('openai');
    expect(systemOfPlugin('@llm-gateway/backend-groq')).toBe('groq');
    expect(systemOfPlugin('./my-backend.js')).toBe('./my-backend.js');
  });
});
