// RSS of a gateway on configs/default.yaml: idle once /health answers, after 5 000 JSON requests whose
// upstream reports usage (the tokenizer thread must stay unstarted), then after one answer without usage
// (the thread loads the ranks). `node bench/tokenizer-rss-run.mjs` (BENCH_ROUNDS, BENCH_REQUESTS).
import { setTimeout as sleep } from 'node:timers/promises';
import { startOpenAISimulator } from '@llm-gateway/testkit';
import { uniqueChatLoad } from './lib/json-load.mjs';
import { memoryOf, startGateway, startUpstreams } from './lib/processes.mjs';
import { envNumber, giveUpAfter } from './lib/run-kit.mjs';

const rounds = envNumber('BENCH_ROUNDS', 2);
const requests = envNumber('BENCH_REQUESTS', 5_000);
const stops = [];
giveUpAfter('tokenizer rss run', stops, 10 * 60_000);
const upstreams = await startUpstreams();
stops.push(upstreams.stop);
const silent = await startOpenAISimulator({ omitUsage: true, reply: () => 'one two three' });
stops.push(() => silent.close());

async function estimatedChat(gateway) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'count to three' }] }),
  });
  return (await response.json()).usage;
}

try {
  for (let round = 1; round <= rounds; round++) {
    const gateway = await startGateway({
      profile: 'configs/default.yaml',
      env: {
        OPENAI_BASE_URL: `${upstreams.fast}/v1`,
        OPENAI_API_KEY: 'bench-upstream-key',
        DEEPSEEK_BASE_URL: silent.url,
        DEEPSEEK_API_KEY: 'bench-upstream-key',
        LOG_LEVEL: 'warn',
      },
    });
    try {
      await sleep(3_000);
      const idle = memoryOf(gateway.pid).rssMiB;
      const startCpuS = gateway.cpuSeconds();
      await uniqueChatLoad({ key: 'unused', tag: 'rss', concurrency: 20 })(gateway, requests);
      await sleep(2_000);
      const afterUsage = memoryOf(gateway.pid).rssMiB;
      const usage = await estimatedChat(gateway);
      await sleep(2_000);
      const afterEstimate = memoryOf(gateway.pid).rssMiB;
      console.log(
        JSON.stringify({ round, idle, startCpuS, afterUsage, afterEstimate, estimatedUsage: usage }),
      );
    } finally {
      await gateway.stop();
    }
  }
} finally {
  for (const stop of stops.reverse()) await stop();
}
