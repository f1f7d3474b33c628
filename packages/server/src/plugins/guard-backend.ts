import {
  type Backend,
  type CallContext,
  type ChatStreamPart,
  GatewayError,
  isGatewayError,
  type Logger,
} from '@llm-gateway/spec';
import type { PluginFaults, PluginIdentity } from './plugin-faults.js';

interface Guard {
  who: PluginIdentity;
  faults: PluginFaults;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array with a non-string entry';
  return `a ${typeof value}`;
}

/** The call as the plugin sees it: its log lines name the plugin and the instance. */
function pluginCall(call: CallContext, guard: Guard): CallContext {
  let log: Logger | undefined;
  const context: CallContext = {
    signal: call.signal,
    requestId: call.requestId,
    get log() {
      log ??= guard.faults.logger(guard.who, call.log);
      return log;
    },
  };
  if (call.deadline !== undefined) context.deadline = call.deadline;
  if (call.headers !== undefined) context.headers = call.headers;
  return context;
}

/**
 * Settles with the plugin's promise, counting it as abandoned when it is still running a grace period
 * after its signal fired (the pipeline answered the client at the signal), and a thrown non-GatewayError
 * as the plugin's fault.
 */
async function watch<T>(
  guard: Guard,
  operation: string,
  signal: AbortSignal | undefined,
  run: () => Promise<T>,
): Promise<T> {
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    timer = setTimeout(() => {
      if (!settled) guard.faults.abandoned(guard.who, operation);
    }, guard.faults.abandonGraceMs);
    timer.unref();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run();
  } catch (error) {
    // After the signal an AbortError is the expected answer; otherwise only GatewayErrors are.
    if (!isGatewayError(error) && !signal?.aborted)
      guard.faults.error(guard.who, 'exception', error, `${operation} threw instead of a GatewayError`);
    throw error;
  } finally {
    settled = true;
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(timer);
  }
}

async function checkedModels(backend: Backend, guard: Guard): Promise<string[]> {
  const list: unknown = await watch(guard, 'models()', undefined, () => backend.models());
  if (Array.isArray(list) && list.every((model) => typeof model === 'string')) return list;
  const message = `backend ${guard.who.instance} (plugin ${guard.who.plugin}): models() returned ${describe(list)}, not an array of model ids`;
  const error = new GatewayError('internal', message, { backend: guard.who.instance });
  guard.faults.error(guard.who, 'invalid_answer', error, message);
  throw error;
}

/**
 * A stream's iterator under `watch`'s rules, with one abort listener for the whole stream instead of a
 * listener, a closure and an async frame per part: a part still pending a grace period after the
 * signal fired counts the stream as abandoned, and a part that throws a non-GatewayError (before the
 * signal) as the plugin's fault.
 */
class WatchedParts implements AsyncIterator<ChatStreamPart> {
  readonly #iterator: AsyncIterator<ChatStreamPart>;
  readonly #signal: AbortSignal;
  readonly #guard: Guard;
  /** The part being waited for (0: none); a timer armed for one part checks it is still that one. */
  #pending = 0;
  #parts = 0;
  #listening = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(iterator: AsyncIterator<ChatStreamPart>, signal: AbortSignal, guard: Guard) {
    this.#iterator = iterator;
    this.#signal = signal;
    this.#guard = guard;
  }

  readonly #onAbort = (): void => {
    this.#listening = false;
    if (this.#pending !== 0) this.#arm(this.#pending);
  };

  #arm(part: number): void {
    const guard = this.#guard;
    this.#timer = setTimeout(() => {
      if (this.#pending === part) guard.faults.abandoned(guard.who, 'stream()');
    }, guard.faults.abandonGraceMs);
    this.#timer.unref();
  }

  #stopListening(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.#signal.removeEventListener('abort', this.#onAbort);
  }

  async next(): Promise<IteratorResult<ChatStreamPart>> {
    const part = ++this.#parts;
    this.#pending = part;
    if (this.#signal.aborted) this.#arm(part);
    else if (!this.#listening) {
      this.#listening = true;
      this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    try {
      const result = await this.#iterator.next();
      if (result.done) this.#stopListening();
      return result;
    } catch (error) {
      this.#stopListening();
      // After the signal an AbortError is the expected answer; otherwise only GatewayErrors are.
      if (!isGatewayError(error) && !this.#signal.aborted) {
        const { who, faults } = this.#guard;
        faults.error(who, 'exception', error, 'stream() threw instead of a GatewayError');
      }
      throw error;
    } finally {
      this.#pending = 0;
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
    }
  }

  return(value?: unknown): Promise<IteratorResult<ChatStreamPart>> {
    this.#stopListening();
    const iterator = this.#iterator;
    return iterator.return
      ? watch(this.#guard, 'stream() return', undefined, () => iterator.return!(value))
      : Promise.resolve({ done: true as const, value: undefined });
  }
}

function guardStream(
  open: () => AsyncIterable<ChatStreamPart>,
  call: CallContext,
  guard: Guard,
): AsyncIterable<ChatStreamPart> {
  let parts: AsyncIterable<ChatStreamPart>;
  try {
    parts = open();
  } catch (error) {
    if (!isGatewayError(error))
      guard.faults.error(guard.who, 'exception', error, 'stream() threw instead of a GatewayError');
    throw error;
  }
  return {
    [Symbol.asyncIterator]: () => new WatchedParts(parts[Symbol.asyncIterator](), call.signal, guard),
  };
}

/**
 * The backend as the pipeline uses it: the same calls, with the plugin's faults counted and logged
 * against it, `models()` answers checked, and calls that ignore their signal reported as leaked.
 */
export function guardBackend(backend: Backend, who: PluginIdentity, faults: PluginFaults): Backend {
  const guard: Guard = { who, faults };
  const guarded: Backend = {
    name: backend.name,
    models: () => checkedModels(backend, guard),
    chat: (request, call) =>
      watch(guard, 'chat()', call.signal, () => backend.chat(request, pluginCall(call, guard))),
    stream: (request, call) =>
      guardStream(() => backend.stream(request, pluginCall(call, guard)), call, guard),
  };
  if (backend.tuning) Object.assign(guarded, { tuning: backend.tuning });
  if (backend.nativeWires) Object.assign(guarded, { nativeWires: backend.nativeWires });
  if (backend.relayWires) Object.assign(guarded, { relayWires: backend.relayWires });
  const embed = backend.embed?.bind(backend);
  if (embed)
    guarded.embed = (request, call) =>
      watch(guard, 'embed()', call.signal, () => embed(request, pluginCall(call, guard)));
  const close = backend.close?.bind(backend);
  if (close) guarded.close = () => close();
  return guarded;
}
