// The OTLP/HTTP receiver of the tracing bench in its own process, so parsing exports never shares the
// load generator's event loop. Prints `{"url":...}`, then every 200 ms a line with the spans counted
// since the last one (`{"servers":n,"spans":m}`), forgetting them; stops when its stdin closes.
import { startOtlpReceiver } from '@llm-gateway/testkit';

const receiver = await startOtlpReceiver();
process.stdout.write(`${JSON.stringify({ url: receiver.url })}\n`);
const report = setInterval(() => {
  const spans = receiver.spans;
  const servers = spans.filter((span) => span.kind === 2).length;
  receiver.reset();
  if (spans.length > 0) process.stdout.write(`${JSON.stringify({ servers, spans: spans.length })}\n`);
}, 200);
async function stop() {
  clearInterval(report);
  await receiver.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
