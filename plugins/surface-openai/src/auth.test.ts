import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './__fixtures__/gateway.js';

let gateway: TestGateway;
let baseURL: string;

beforeAll(async () => {
  gateway = await startGateway({ keys: ['sk-gateway-good', 'sk-other'] });
  baseURL = `${await gateway.listen()}/v1`;
});
afterAll(() => gateway.close());

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('auth with the api-key scheme', () => {
  it('accepts a configured key as a Bearer token from the openai SDK', async () => {
    const client = new OpenAI({ apiKey: 'sk-gateway-good', baseURL, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion.choices[0]?.message.content).toBe('Echo: hi');
    expect(gateway.contexts.at(-1)?.principal).toMatchObject({ kind: 'api_key', scheme: 'keys' });
    expect(gateway.contexts.at(-1)?.principal.id).toMatch(/^key-[0-9a-f]{8}$/);
  });

  it('accepts the X-API-Key header too', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'x-api-key': 'sk-other' },
      payload: { messages },
    });
    expect(response.statusCode).toBe(200);
  });

  it('rejects a request without a key with 401 authentication_error and WWW-Authenticate', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { messages },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toEqual({
      error: {
        message: 'Missing API key',
        type: 'authentication_error',
        param: null,
        code: 'missing_api_key',
      },
    });
  });

  it('rejects a wrong key, through the SDK as AuthenticationError, without echoing it', async () => {
    const client = new OpenAI({ apiKey: 'sk-wrong-key', baseURL, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const apiError = error as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(apiError.code).toBe('invalid_api_key');
    expect(apiError.type).toBe('authentication_error');
    expect(JSON.stringify(apiError.error)).not.toContain('sk-wrong-key');
  });

  it('authenticates before parsing the body: a bad body without a key is a 401', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(response.statusCode).toBe(401);
    expect(gateway.contexts.at(-1)?.annotations.errorType).toBe('authentication');
  });

  it('guards /v1/models and /v1/completions as well', async () => {
    const models = await gateway.app.inject({ method: 'GET', url: '/v1/models' });
    expect(models.statusCode).toBe(401);
    expect(models.json().error.type).toBe('authentication_error');
    const completions = await gateway.app.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { prompt: 'hi' },
    });
    expect(completions.statusCode).toBe(401);
    const client = new OpenAI({ apiKey: 'sk-gateway-good', baseURL, maxRetries: 0 });
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
    const legacy = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'Once' });
    expect(legacy.choices[0]?.text).toBe('Echo: Once');
  });
});
