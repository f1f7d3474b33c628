// The upstream simulators in their own process, so the load generator never shares their event loop.
// Prints one JSON line with their URLs, then serves until SIGTERM/SIGINT or until its stdin closes.
import { startOpenAISimulator } from '@llm-gateway/testkit';
import { serveUntilStopped } from './run-kit.mjs';

// A realistic short answer (32 words): every streamed response carries 32 content chunks.
const text = Array.from({ length: 32 }, (_, i) => `word${i}`).join(' ');
const reply = () => text;

const fast = await startOpenAISimulator({ reply });
const slow = await startOpenAISimulator({ reply, latencyMs: 50 });

// Simulators record every request; forget them often so memory and GC stay flat under load.
const forget = setInterval(() => {
  fast.reset();
  slow.reset();
}, 500);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(forget);
  await Promise.all([fast.close(), slow.close()]);
  process.exit(0);
}
serveUntilStopped(stop, { fast: fast.url, slow: slow.url, replyWords: 32 });
