// `pnpm demo`: starts the upstream simulators and the gateway on configs/demo.yaml, makes one
// round trip through it, then keeps running so you can try it with curl or any OpenAI client.
import { fileURLToPath } from 'node:url';
import { loadProfile, startServer } from '@llm-gateway/server';
import { startOllamaSimulator, startOpenAISimulator } from '@llm-gateway/testkit';

const openaiSim = await startOpenAISimulator({ chunkDelayMs: 40 });
const ollamaSim = await startOllamaSimulator({ chunkDelayMs: 40 });
process.env.DEMO_OPENAI_URL = openaiSim.url;
process.env.DEMO_OLLAMA_URL = ollamaSim.url;
const apiKey = process.env.DEMO_API_KEY ?? 'demo-gateway-key';

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
console.log(`\nPOST ${base}/v1/chat/completions -> ${response.status}`);
console.log(JSON.stringify(await response.json(), null, 2));
console.log(`
The gateway is running on ${base} against simulated upstreams (Ctrl-C to stop). Try:

  curl -N ${base}/v1/chat/completions -H 'authorization: Bearer ${apiKey}' \\
    -H 'content-type: application/json' \\
    -d '{"model":"llama3.2","stream":true,"messages":[{"role":"user","content":"Tell me a story"}]}'

  Models: ${base}/v1/models   Docs: ${base}/docs   Health: ${base}/health   Metrics: ${base}/metrics
`);

const stop = async () => {
  await gateway.close();
  await Promise.all([openaiSim.close(), ollamaSim.close()]);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
