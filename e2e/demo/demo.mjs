// `pnpm demo`: starts the upstream simulators and the gateway on configs/demo.yaml, makes one
// round trip through it, then keeps running so you can try it with curl or any OpenAI client.
import { fileURLToPath } from 'node:url';
import { loadProfile, startServer } from '@llm-gateway/server';
import { startAnthropicSimulator, startOllamaSimulator, startOpenAISimulator } from '@llm-gateway/testkit';

const openaiSim = await startOpenAISimulator({ chunkDelayMs: 40 });
const ollamaSim = await startOllamaSimulator({ chunkDelayMs: 40 });
const anthropicSim = await startAnthropicSimulator({ chunkDelayMs: 40 });
process.env.DEMO_OPENAI_URL = openaiSim.url;
process.env.DEMO_OLLAMA_URL = ollamaSim.url;
process.env.DEMO_ANTHROPIC_URL = anthropicSim.url;
const apiKey = process.env.DEMO_API_KEY ?? 'demo-gateway-key';

process.env.LOG_LEVEL ??= 'warn'; // the demo prints its own lines; set LOG_LEVEL=info for access logs
const profilePath = fileURLToPath(new URL('../../configs/demo.yaml', import.meta.url));
const gateway = await startServer(await loadProfile(profilePath), { handleSignals: false });
const base = gateway.url;

const response = await fetch(`${base}/v1/chat/completions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
  body: JSON.stringify({
    model: 'groq/llama-3.1-8b-instant',
    messages: [{ role: 'user', content: 'Hello gateway!' }],
  }),
});
const body = await response.json();
if (!response.ok) {
  console.error(`The demo request failed: ${response.status} ${JSON.stringify(body)}`);
  process.exitCode = 1;
}
const answer = body.choices?.[0]?.message?.content ?? '';
console.log(`
Asked ${base}/v1/chat/completions (model groq/llama-3.1-8b-instant, a built-in Groq simulator):
  "Hello gateway!"
The gateway answered (HTTP ${response.status}, ${body.usage?.total_tokens ?? '?'} tokens):
  ${answer}

The gateway keeps running on ${base} against simulated upstreams; Ctrl-C stops it. Try next:

  curl -N ${base}/v1/chat/completions -H 'authorization: Bearer ${apiKey}' \\
    -H 'content-type: application/json' \\
    -d '{"model":"llama3.2","stream":true,"messages":[{"role":"user","content":"Tell me a story"}]}'

  curl ${base}/v1/messages -H 'x-api-key: ${apiKey}' -H 'anthropic-version: 2023-06-01' \\
    -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Hi Claude"}]}'

  Models: ${base}/v1/models   Docs: ${base}/docs   Health: ${base}/health   Metrics: ${base}/metrics
  With a real provider: OPENAI_API_KEY=sk-... pnpm start   (configs/default.yaml; see README.md)
`);

// Ctrl-C reaches pnpm and this process together, and pnpm passes it on again: stop once, on the first.
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await gateway.close();
  await Promise.all([openaiSim.close(), ollamaSim.close(), anthropicSim.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
