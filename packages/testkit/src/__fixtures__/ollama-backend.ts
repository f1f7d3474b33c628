/** A minimal backend over Ollama's native API with fetch, only to exercise the conformance suite inside testkit. */
import {
  type Backend,
  type BackendPlugin,
  type CallContext,
  type ChatRequest,
  type ChatStreamPart,
  GatewayError,
  isGatewayError,
  parseRetryAfter,
  upstreamHttpError,
  upstreamNetworkError,
  upstreamTimeoutError,
  z,
} from '@llm-gateway/spec';

export const ollamaFixtureSchema = z.object({
  host: z.string().url(),
  models: z.array(z.string()).default([]),
});
export type OllamaFixtureConfig = z.infer<typeof ollamaFixtureSchema>;

interface OllamaLine {
  model: string;
  created_at: string;
  message?: { content: string };
  done: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

export const ollamaFixturePlugin: BackendPlugin<OllamaFixtureConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: 'backend-ollama-fixture',
  configSchema: ollamaFixtureSchema,
  async create(config, host): Promise<Backend> {
    const name = host.instanceName;
    const usage = (line: OllamaLine) => {
      const promptTokens = line.prompt_eval_count ?? 0;
      const completionTokens = line.eval_count ?? 0;
      return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
    };
    const reason = (line: OllamaLine) => (line.done_reason === 'length' ? 'length' : 'stop');

    async function post(request: ChatRequest, stream: boolean, call: CallContext) {
      const signals = [call.signal];
      if (call.deadline !== undefined)
        signals.push(AbortSignal.timeout(Math.max(0, call.deadline - Date.now())));
      const signal = AbortSignal.any(signals);
      const map = (error: unknown): GatewayError => {
        if (isGatewayError(error)) return error;
        if (call.signal.aborted)
          return new GatewayError('cancelled', 'cancelled', { backend: name, cause: error });
        if (signal.aborted) return upstreamTimeoutError(name, error);
        return upstreamNetworkError(name, error);
      };
      let response: Response;
      try {
        response = await fetch(`${config.host}/api/chat`, {
          method: 'POST',
          signal,
          body: JSON.stringify({
            model: request.model,
            messages: request.messages,
            stream,
            options: request.maxTokens === undefined ? {} : { num_predict: request.maxTokens },
          }),
        });
      } catch (error) {
        throw map(error);
      }
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        throw upstreamHttpError(
          name,
          response.status,
          text,
          parseRetryAfter(response.headers.get('retry-after')),
        );
      }
      return { response, map };
    }

    return {
      name,
      async models() {
        return config.models;
      },
      async chat(request, call) {
        const { response, map } = await post(request, false, call);
        let line: OllamaLine;
        try {
          line = (await response.json()) as OllamaLine;
        } catch (error) {
          throw map(error);
        }
        return {
          id: `ollama-${Date.now()}`,
          model: line.model,
          text: line.message?.content ?? '',
          finishReason: reason(line),
          usage: usage(line),
          created: Math.floor(Date.parse(line.created_at) / 1000),
        };
      },
      async *stream(request, call): AsyncGenerator<ChatStreamPart> {
        const { response, map } = await post(request, true, call);
        const decoder = new TextDecoder();
        let buffered = '';
        try {
          for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
            buffered += decoder.decode(bytes, { stream: true });
            let newline = buffered.indexOf('\n');
            while (newline >= 0) {
              const line = JSON.parse(buffered.slice(0, newline)) as OllamaLine;
              buffered = buffered.slice(newline + 1);
              newline = buffered.indexOf('\n');
              if (line.error)
                throw new GatewayError('upstream_error', line.error, { backend: name, isRetryable: true });
              if (line.message?.content) yield { type: 'text-delta', text: line.message.content };
              if (line.done) {
                yield { type: 'finish', finishReason: reason(line), usage: usage(line) };
                return;
              }
            }
          }
        } catch (error) {
          throw map(error);
        }
        throw upstreamNetworkError(name, new Error('the stream ended without done'));
      },
    };
  },
};
