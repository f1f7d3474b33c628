// A 0 ms Ollama simulator in its own process for the async run; prints its URL as one JSON line.
import { startOllamaSimulator } from '@llm-gateway/testkit';

const text = Array.from({ length: 32 }, (_, i) => `word${i}`).join(' ');
const sim = await startOllamaSimulator({ reply: () => text });
const forget = setInterval(() => sim.reset(), 500);
const stop = async () => {
  clearInterval(forget);
  await sim.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
