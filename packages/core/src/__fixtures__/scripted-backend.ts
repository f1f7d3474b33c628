import { setTimeout as sleep } from 'node:timers/promises';
import {
  anonymousPrincipal,
  type Backend,
  type CallContext,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  type RequestContext,
  silentLogger,
  type Usage,
} from '@llm-gateway/spec';

/** Resolves when the signal fires, then throws like a fetch would. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new DOMException('This operation was aborted', 'AbortError'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

export interface ScriptedBackendOptions {
  name: string;
  models?: string[];
  /** Words the reply consists of; streamed one part per word. */
  words?: string[];
  /** Usage the "upstream" reports; zeros mean it reports none. */
  usage?: Usage;
  /** Throws this from chat and from the stream before its first part. */
  failWith?: Error;
  /** Throws `error` from the first `times` calls (chat or stream, before the first part), then answers. */
  failFirst?: { times: number; error: Error };
  /** Throws this from the stream after `failAfterParts` parts. */
  failMidStream?: { afterParts: number; error: Error };
  /** The call never answers on its own (it ends only when its signal fires, unless `ignoreSignal`). */
  hang?: boolean;
  /** Hangs after this many stream parts. */
  hangAfterParts?: number;
  ignoreSignal?: boolean;
  /** The stream waits for this before sending its first part. */
  firstPartGate?: Promise<void>;
  /** Milliseconds between two stream parts. */
  partDelayMs?: number;
}

/** A real Backend whose upstream is a script: records what it was called with. */
export class ScriptedBackend implements Backend {
  readonly name: string;
  readonly calls: { request: ChatRequest; call: CallContext }[] = [];
  streamClosed = false;
  closed = false;

  constructor(private readonly options: ScriptedBackendOptions) {
    this.name = options.name;
  }

  async models(): Promise<string[]> {
    return this.options.models ?? [];
  }

  private reply(): string {
    return (this.options.words ?? ['Hello', ' world']).join('');
  }

  private usage(): Usage {
    return this.options.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  }

  private async wait(call: CallContext): Promise<void> {
    if (this.options.ignoreSignal) return new Promise(() => {});
    return untilAborted(call.signal);
  }

  private failingNow(): Error | undefined {
    const first = this.options.failFirst;
    if (first && this.calls.length <= first.times) return first.error;
    return this.options.failWith;
  }

  async chat(request: ChatRequest, call: CallContext): Promise<ChatResult> {
    this.calls.push({ request, call });
    if (this.options.hang) await this.wait(call);
    const failure = this.failingNow();
    if (failure) throw failure;
    return {
      id: 'chatcmpl-test',
      model: request.model,
      text: this.reply(),
      finishReason: 'stop',
      usage: this.usage(),
      created: 1_700_000_000,
    };
  }

  async *stream(request: ChatRequest, call: CallContext): AsyncIterable<ChatStreamPart> {
    this.calls.push({ request, call });
    const failure = this.failingNow();
    try {
      if (this.options.firstPartGate) await this.options.firstPartGate;
      if (this.options.hang) await this.wait(call);
      if (failure) throw failure;
      let sent = 0;
      for (const word of this.options.words ?? ['Hello', ' world']) {
        if (this.options.failMidStream && sent === this.options.failMidStream.afterParts) {
          throw this.options.failMidStream.error;
        }
        if (this.options.hangAfterParts === sent) await this.wait(call);
        if (this.options.partDelayMs && sent > 0) await sleep(this.options.partDelayMs);
        yield { type: 'text-delta', text: word };
        sent += 1;
      }
      const usage = this.usage();
      yield { type: 'finish', finishReason: 'stop', ...(usage.totalTokens ? { usage } : {}) };
    } finally {
      this.streamClosed = true;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export function requestContext(signal: AbortSignal = new AbortController().signal): RequestContext {
  return {
    requestId: 'req-test',
    surface: 'test',
    endpoint: 'chat',
    principal: anonymousPrincipal,
    signal,
    log: silentLogger,
    annotations: {},
  };
}
