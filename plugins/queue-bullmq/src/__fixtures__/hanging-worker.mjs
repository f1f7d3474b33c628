// A worker process that streams a first part of every task, then hangs until it is killed.
import { silentLogger } from '@llm-gateway/spec';
import { configSchema, createBullmqQueue } from '../../dist/index.js';

const queue = createBullmqQueue(configSchema.parse(JSON.parse(process.argv[2])), silentLogger);
queue.work(async (_input, progress) => {
  await progress.delta('partial ');
  await new Promise(() => {});
}, 1);
process.stdout.write('ready\n');
