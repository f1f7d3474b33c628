import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TaskInput } from '@llm-gateway/spec';
import { finished, queueTestInput, scriptedHandler } from '@llm-gateway/testkit';
import { expect, it } from 'vitest';
import { createMemoryQueue } from './memory-queue.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Submits a fresh input and answers only a weak reference to it, so the test itself holds none. */
async function submitWeakly(queue: ReturnType<typeof createMemoryQueue>): Promise<{
  id: string;
  input: WeakRef<TaskInput>;
}> {
  const input: TaskInput = {
    ...queueTestInput,
    request: { model: 'test-model', messages: [{ role: 'user', content: 'x'.repeat(100_000) }] },
  };
  return { id: await queue.submit(input), input: new WeakRef(input) };
}

// Regression: a finished task kept its whole input in memory until RESULT_TTL.
it("a finished task's input is released: only its status, owner and result stay", async () => {
  const queue = createMemoryQueue({ timeLimitSeconds: 5, retentionSeconds: 60, maxQueued: 10 });
  const worker = queue.work(scriptedHandler(['done']), 1);
  try {
    const { id, input } = await submitWeakly(queue);
    expect(await finished(queue, id)).toMatchObject({
      status: 'completed',
      owner: 'keys:key-a',
      model: 'test-model',
    });
    for (let i = 0; i < 5 && input.deref(); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
    }
    expect(input.deref()).toBeUndefined();
  } finally {
    await worker.close();
    await queue.close();
  }
});
