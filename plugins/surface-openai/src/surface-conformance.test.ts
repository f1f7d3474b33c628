import { surfaceConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

surfaceConformance({
  plugin,
  config: {},
  chat: (model, prompt) => ({
    url: '/v1/chat/completions',
    payload: { model, messages: [{ role: 'user', content: prompt }] },
  }),
  replyText: (body) =>
    (body as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content ?? '',
});
