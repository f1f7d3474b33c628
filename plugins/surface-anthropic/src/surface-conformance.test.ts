import { surfaceConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

surfaceConformance({
  plugin,
  config: {},
  chat: (model, prompt) => ({
    url: '/v1/messages',
    payload: { model, max_tokens: 64, messages: [{ role: 'user', content: prompt }] },
  }),
  replyText: (body) => (body as { content: Array<{ text: string }> }).content[0]?.text ?? '',
  // Anthropic clients send their key as x-api-key; the surface offers it to the schemes as a Bearer credential.
  credentials: (key) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' }),
});
