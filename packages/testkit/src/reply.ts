/** Deterministic replies: the text a simulator answers with, split into words, truncated, counted. */

export type SimFinishReason = 'stop' | 'length';

/** What a simulator answered (or started to answer) for one request. */
export interface SimulatedReply {
  /** The full text the client should end up with. */
  text: string;
  /** The text split so each piece holds one word; the pieces concatenate to `text`. */
  pieces: string[];
  finishReason: SimFinishReason;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Token counts are word counts: simple, deterministic and easy to predict in tests. */
export function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Splits text into pieces of one word each (with the whitespace after it), so `pieces.join('') === text`. */
export function splitWords(text: string): string[] {
  const pieces = text.split(/(?<=\s)(?=\S)/).filter((piece) => piece.length > 0);
  // Leading whitespace alone is not a word: glue it to the first word.
  if (pieces.length > 1 && pieces[0]!.trim() === '') {
    const [first, second, ...rest] = pieces;
    return [first! + second!, ...rest];
  }
  return pieces;
}

/** Text of an OpenAI message content: a string or an array of `{type:'text', text}` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
          ? (part as { text: string }).text
          : '',
      )
      .join('');
  }
  return '';
}

function messagesOf(body: unknown): Array<{ role?: unknown; content?: unknown }> {
  const messages = (body as { messages?: unknown } | null)?.messages;
  return Array.isArray(messages) ? messages.filter((m) => m && typeof m === 'object') : [];
}

/** The text a request "says": the last user message for chat bodies, `prompt` for Ollama generate bodies. */
export function lastUserText(body: unknown): string {
  const messages = messagesOf(body);
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') return contentText(messages[i]!.content);
  }
  const prompt = (body as { prompt?: unknown } | null)?.prompt;
  return typeof prompt === 'string' ? prompt : '';
}

/** The default reply: `Echo: ` and what the user said last. */
export function defaultReply(body: unknown): string {
  return 'Echo: ' + lastUserText(body);
}

/** Prompt tokens: words of every message (and of `system`/`prompt` for Ollama generate). */
export function promptTokensOf(body: unknown): number {
  let words = 0;
  for (const message of messagesOf(body)) words += countTokens(contentText(message.content));
  const { prompt, system } = (body ?? {}) as { prompt?: unknown; system?: unknown };
  if (typeof prompt === 'string') words += countTokens(prompt);
  if (typeof system === 'string') words += countTokens(system);
  return words;
}

export interface PlanOptions {
  /** Cut the reply at the first of these strings (finish reason stays `stop`, as upstreams do). */
  stop?: string[] | undefined;
  /** At most this many words; a longer reply is truncated with finish reason `length`. */
  maxTokens?: number | undefined;
  promptTokens: number;
}

export function planReply(fullText: string, options: PlanOptions): SimulatedReply {
  let text = fullText;
  for (const stop of options.stop ?? []) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  let pieces = splitWords(text);
  let finishReason: SimFinishReason = 'stop';
  const max = options.maxTokens;
  if (typeof max === 'number' && Number.isFinite(max) && max >= 0 && countTokens(text) > max) {
    pieces = pieces.slice(0, max);
    if (pieces.length > 0) pieces[pieces.length - 1] = pieces[pieces.length - 1]!.trimEnd();
    text = pieces.join('');
    finishReason = 'length';
  }
  const completionTokens = countTokens(text);
  return {
    text,
    pieces,
    finishReason,
    promptTokens: options.promptTokens,
    completionTokens,
    totalTokens: options.promptTokens + completionTokens,
  };
}

/** `stop` as OpenAI and Ollama accept it: a string or an array of strings. */
export function stopList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}
