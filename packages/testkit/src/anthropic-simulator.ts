/** An upstream that speaks Anthropic's Messages API (`POST /v1/messages`, JSON and SSE; `GET /v1/models`). */
import { randomBytes } from 'node:crypto';
import { contentBlocks, planAnthropicReply, streamedBlock } from './anthropic-sim-reply.js';
import {
  type Exchange,
  type SimRequestBody,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from './simulator.js';

export const defaultAnthropicModels = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-6'] as const;

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

export interface AnthropicSimulatorOptions extends SimulatorOptions {
  /** When set, requests must carry `x-api-key: <apiKey>` or `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /**
   * A recorded SSE transcript to answer a streamed request with, event by event (faults still apply);
   * undefined answers as usual.
   */
  replay?: (body: SimRequestBody) => string | undefined;
}

// Anthropic's error type for each status: https://docs.anthropic.com/en/api/errors
const errorTypes: Record<number, [type: string, message: string]> = {
  400: ['invalid_request_error', 'There was an issue with the format or content of your request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'There is an issue with your billing or payment information.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'The requested resource could not be found.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.'],
  500: ['api_error', 'Internal server error'],
  504: ['timeout_error', 'Request timed out'],
  529: ['overloaded_error', 'Overloaded'],
};

function requestId(): string {
  return `req_011${randomBytes(18).toString('base64url')}`;
}

export function anthropicError(type: string, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message }, request_id: requestId() };
}

/** The error body Anthropic sends for a status (its own wording), used for injected faults without a body. */
export function anthropicErrorForStatus(status: number, message?: string): AnthropicErrorBody {
  const known = errorTypes[status];
  if (known) return anthropicError(known[0], known[1]);
  return anthropicError(status >= 500 ? 'api_error' : 'invalid_request_error', message ?? `HTTP ${status}`);
}

function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** A 400 naming what is wrong, in Anthropic's words, or undefined for a well-formed body. */
function invalidBody(exchange: Exchange): string | undefined {
  if (exchange.bodyInvalid || typeof exchange.body !== 'object' || exchange.body === null)
    return 'There was an issue with the format or content of your request. We could not parse the JSON body.';
  const body = exchange.body as SimRequestBody;
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'messages: at least one message is required';
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (thinking?.type === 'enabled') {
    const budget = Number(thinking.budget_tokens);
    if (!(budget >= 1024))
      return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (body.max_tokens <= budget) return '`max_tokens` must be greater than `thinking.budget_tokens`';
    const forced = (body.tool_choice as { type?: unknown } | undefined)?.type;
    if (forced === 'any' || forced === 'tool')
      return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  return undefined;
}

export function startAnthropicSimulator(options: AnthropicSimulatorOptions = {}): Promise<Simulator> {
  const models = options.models ?? [...defaultAnthropicModels];
  const cache = new Set<string>();

  function authorized(exchange: Exchange): boolean {
    // The API takes the key as `x-api-key` or (what SDK 1.x sends) `Authorization: Bearer`.
    const bearer = /^Bearer (.+)$/.exec(exchange.req.headers.authorization ?? '')?.[1];
    const key = exchange.req.headers['x-api-key'] ?? bearer;
    if (options.apiKey && key !== options.apiKey) {
      exchange.sendJson(401, anthropicError('authentication_error', 'invalid x-api-key'));
      return false;
    }
    if (!exchange.req.headers['anthropic-version']) {
      exchange.sendJson(
        400,
        anthropicError('invalid_request_error', 'anthropic-version: header is required'),
      );
      return false;
    }
    return true;
  }

  function listModels(exchange: Exchange, modelId: string | undefined): void {
    const entry = (id: string) => ({
      type: 'model',
      id,
      display_name: id,
      created_at: '2025-09-29T00:00:00Z',
    });
    if (modelId === undefined) {
      exchange.sendJson(200, {
        data: models.map(entry),
        has_more: false,
        first_id: models[0] ?? null,
        last_id: models.at(-1) ?? null,
      });
    } else if (models.includes(modelId)) exchange.sendJson(200, entry(modelId));
    else exchange.sendJson(404, anthropicError('not_found_error', `model: ${modelId}`));
  }

  async function replay(exchange: Exchange, transcript: string): Promise<void> {
    exchange.startStream('text/event-stream; charset=utf-8');
    for (const event of transcript.split(/\r?\n\r?\n/).filter((e) => e.trim())) {
      if (!(await exchange.writeChunk(`${event.trim()}\n\n`))) return;
    }
    exchange.endStream();
  }

  async function messages(exchange: Exchange): Promise<void> {
    const invalid = invalidBody(exchange);
    if (invalid) {
      exchange.sendJson(400, anthropicError('invalid_request_error', invalid));
      return;
    }
    const body = exchange.body as SimRequestBody;
    const model = body.model as string;
    if (options.models && !options.models.includes(model)) {
      exchange.sendJson(404, anthropicError('not_found_error', `model: ${model}`));
      return;
    }
    const recorded = body.stream === true ? options.replay?.(body) : undefined;
    if (recorded !== undefined) return replay(exchange, recorded);
    const plan = planAnthropicReply(body, { ...(options.reply ? { reply: options.reply } : {}), cache });
    exchange.record.reply = plan.reply;
    const blocks = contentBlocks(plan);
    const message = {
      id: `msg_01${randomBytes(16).toString('base64url')}`,
      type: 'message',
      role: 'assistant',
      model,
      content: blocks,
      stop_reason: plan.stopReason,
      stop_sequence: plan.stopSequence,
      usage: plan.usage,
    };
    if (body.stream !== true) {
      exchange.sendJson(200, message, { 'request-id': exchange.requestId });
      return;
    }
    exchange.startStream('text/event-stream; charset=utf-8', { 'request-id': exchange.requestId });
    const start = {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...plan.usage, output_tokens: 1 },
    };
    const events = [sse('message_start', { message: start })];
    for (const [index, block] of blocks.entries()) {
      const { start: opening, deltas } = streamedBlock(block);
      events.push(sse('content_block_start', { index, content_block: opening }));
      if (index === 0) events.push(sse('ping', {}));
      for (const delta of deltas) events.push(sse('content_block_delta', { index, delta }));
      events.push(sse('content_block_stop', { index }));
    }
    events.push(
      sse('message_delta', {
        delta: { stop_reason: plan.stopReason, stop_sequence: plan.stopSequence },
        usage: { output_tokens: plan.usage.output_tokens },
      }),
      sse('message_stop', {}),
    );
    for (const event of events) if (!(await exchange.writeChunk(event))) return;
    exchange.endStream();
  }

  return startSimulator(
    {
      kind: 'anthropic',
      errorBody: anthropicErrorForStatus,
      // Anthropic says when to retry a rate-limited request.
      errorHeaders: (status) => (status === 429 ? { 'retry-after': '1' } : undefined),
      async handle(exchange) {
        const modelRoute = /^\/v1\/models(?:\/([^/]+))?\/?$/.exec(exchange.path);
        const known =
          (exchange.path === '/v1/messages' && exchange.method === 'POST') ||
          (modelRoute !== null && exchange.method === 'GET');
        if (!known) {
          exchange.sendJson(404, anthropicError('not_found_error', 'Not Found'));
          return;
        }
        if (!authorized(exchange)) return;
        if (modelRoute) listModels(exchange, modelRoute[1] ? decodeURIComponent(modelRoute[1]) : undefined);
        else await messages(exchange);
      },
    },
    options,
  );
}
