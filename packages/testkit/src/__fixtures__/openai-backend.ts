/** A minimal backend over the openai SDK, only to exercise the conformance suite inside testkit. */
import {
  type Backend,
  type BackendPlugin,
  type CallContext,
  type ChatRequest,
  type ChatStreamPart,
  type FinishReason,
  GatewayError,
  isGatewayError,
  parseRetryAfter,
  type Usage,
  upstreamHttpError,
  upstreamNetworkError,
  upstreamTimeoutError,
  z,
} from '@llm-gateway/spec';
import OpenAI from 'openai';

export const openAIFixtureSchema = z.object({
  apiKey: z.string(),
  baseURL: z.string().url(),
  models: z.array(z.string()).default([]),
});
export type OpenAIFixtureConfig = z.infer<typeof openAIFixtureSchema>;

function finish(reason: string | null | undefined): FinishReason {
  return reason === 'stop' || reason === 'length' ? reason : 'other';
}

function usage(u: OpenAI.CompletionUsage | null | undefined): Usage | undefined {
  return u
    ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, totalTokens: u.total_tokens }
    : undefined;
}

/** Sends the call's signal and deadline to the SDK, and maps what it throws. */
function guarded(name: string, call: CallContext) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  call.signal.addEventListener('abort', onAbort, { once: true });
  const timer =
    call.deadline === undefined
      ? undefined
      : setTimeout(
          () => {
            timedOut = true;
            controller.abort();
          },
          Math.max(0, call.deadline - Date.now()),
        );
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onAbort);
    },
    map(error: unknown): GatewayError {
      if (isGatewayError(error)) return error;
      if (timedOut) return upstreamTimeoutError(name, error);
      if (call.signal.aborted)
        return new GatewayError('cancelled', 'cancelled', { backend: name, cause: error });
      if (error instanceof OpenAI.APIError && error.status !== undefined) {
        return upstreamHttpError(
          name,
          error.status,
          error.message,
          parseRetryAfter(error.headers?.get('retry-after')),
        );
      }
      return upstreamNetworkError(name, error);
    },
  };
}

function body(request: ChatRequest) {
  return {
    model: request.model,
    messages: request.messages.map((m) => ({
      role: m.role,
      content: m.content,
    })) as OpenAI.ChatCompletionMessageParam[],
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
  };
}

export const openAIFixturePlugin: BackendPlugin<OpenAIFixtureConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'backend-openai-fixture',
  configSchema: openAIFixtureSchema,
  async create(config, host): Promise<Backend> {
    const client = new OpenAI({ apiKey: config.apiKey, baseURL: config.baseURL, maxRetries: 0 });
    const name = host.instanceName;
    return {
      name,
      async models() {
        return config.models;
      },
      async chat(request, call) {
        const guard = guarded(name, call);
        try {
          const completion = await client.chat.completions.create(body(request), { signal: guard.signal });
          const choice = completion.choices[0];
          return {
            id: completion.id,
            model: completion.model,
            text: choice?.message.content ?? '',
            finishReason: finish(choice?.finish_reason),
            usage: usage(completion.usage) ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
            created: completion.created,
          };
        } catch (error) {
          throw guard.map(error);
        } finally {
          guard.dispose();
        }
      },
      async *stream(request, call): AsyncGenerator<ChatStreamPart> {
        const guard = guarded(name, call);
        try {
          const stream = await client.chat.completions.create(
            { ...body(request), stream: true, stream_options: { include_usage: true } },
            { signal: guard.signal },
          );
          let reason: FinishReason | undefined;
          let total: Usage | undefined;
          for await (const chunk of stream) {
            const choice = chunk.choices[0];
            if (choice?.delta.content) yield { type: 'text-delta', text: choice.delta.content };
            if (choice?.finish_reason) reason = finish(choice.finish_reason);
            total = usage(chunk.usage) ?? total;
          }
          // The SDK ends a stream quietly when its signal aborts.
          if (guard.signal.aborted) throw new DOMException('aborted', 'AbortError');
          // A body that ended before any finish reason was cut short, however cleanly it closed.
          if (reason === undefined)
            throw new GatewayError('upstream_error', `${name} stream ended without a finish reason`, {
              backend: name,
              code: 'upstream_stream_truncated',
              isRetryable: true,
            });
          yield total
            ? { type: 'finish', finishReason: reason, usage: total }
            : { type: 'finish', finishReason: reason };
        } catch (error) {
          throw guard.map(error);
        } finally {
          guard.dispose();
        }
      },
    };
  },
};
