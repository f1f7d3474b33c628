/** What the simulators do with tools, structured output and images: deterministic answers derived from the request. */
import { contentText, lastUserText } from './reply.js';
import type { SimRequestBody } from './simulator.js';

type Schema = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(ref: string, root: Schema): Schema {
  let node: unknown = root;
  for (const key of ref.replace(/^#\//, '').split('/')) node = isObject(node) ? node[key] : undefined;
  return isObject(node) ? node : {};
}

/** A value that satisfies a (simple) JSON schema: strings say `text`, numbers are 42, every property is present. */
export function sampleFromSchema(
  schema: unknown,
  text: string,
  root: Schema = isObject(schema) ? schema : {},
): unknown {
  if (!isObject(schema)) return text;
  if (typeof schema.$ref === 'string') return sampleFromSchema(resolveRef(schema.$ref, root), text, root);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const variants = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) {
    const first = variants.find((v) => !(isObject(v) && v.type === 'null')) ?? variants[0];
    return sampleFromSchema(first, text, root);
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== 'null') ?? (isObject(schema.properties) ? 'object' : 'string');
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
        out[key] = sampleFromSchema(property, text, root);
      }
      return out;
    }
    case 'array':
      return [sampleFromSchema(schema.items, text, root)];
    case 'integer':
    case 'number':
      return 42;
    case 'boolean':
      return true;
    default:
      return text;
  }
}

type Message = { role?: unknown; content?: unknown; images?: unknown };

function messagesOf(body: SimRequestBody): Message[] {
  return Array.isArray(body.messages) ? (body.messages as Message[]) : [];
}

export interface PlannedToolCall {
  name: string;
  /** The arguments object; OpenAI sends it as JSON text, Ollama as an object. */
  arguments: Record<string, unknown>;
}

/** The model "calls" a tool when tools are offered, not forbidden, and no tool result follows the last user turn. */
export function plannedToolCall(body: SimRequestBody): PlannedToolCall | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: Schema }>) : [];
  if (tools.length === 0 || body.tool_choice === 'none') return undefined;
  if (messagesOf(body).at(-1)?.role === 'tool') return undefined;
  const choice = body.tool_choice;
  const wanted = isObject(choice) && isObject(choice.function) ? choice.function.name : undefined;
  const tool = tools.find((t) => t.function?.name === wanted) ?? tools[0]!;
  const args = sampleFromSchema(tool.function?.parameters ?? {}, lastUserText(body));
  return { name: String(tool.function?.name ?? ''), arguments: isObject(args) ? args : {} };
}

/** How many images the request carries (OpenAI `image_url` parts, Ollama `images`). */
export function imageCount(body: SimRequestBody): number {
  let count = 0;
  for (const message of messagesOf(body)) {
    if (Array.isArray(message.images)) count += message.images.length;
    if (Array.isArray(message.content)) {
      count += message.content.filter((part) => isObject(part) && part.type === 'image_url').length;
    }
  }
  return count;
}

/** The requested structured-output schema: `true` for plain JSON mode, the schema for json_schema/format. */
function structuredOutput(body: SimRequestBody, kind: 'openai' | 'ollama'): Schema | true | undefined {
  if (kind === 'ollama') {
    if (body.format === 'json') return true;
    return isObject(body.format) ? body.format : undefined;
  }
  const format = body.response_format;
  if (!isObject(format)) return undefined;
  if (format.type === 'json_object') return true;
  if (format.type === 'json_schema' && isObject(format.json_schema)) {
    return isObject(format.json_schema.schema) ? format.json_schema.schema : {};
  }
  return undefined;
}

/**
 * The default reply, extended: JSON that fits the requested schema, the tool result after a tool
 * turn, and a note of how many images arrived.
 */
export function featureReply(body: SimRequestBody, kind: 'openai' | 'ollama'): string | undefined {
  const last = messagesOf(body).at(-1);
  const said = last?.role === 'tool' ? `Tool said: ${contentText(last.content)}` : lastUserText(body);
  const images = imageCount(body);
  const text = images > 0 ? `${said} [${images} image${images === 1 ? '' : 's'}]` : said;
  const structured = structuredOutput(body, kind);
  if (structured === true) return JSON.stringify({ echo: text });
  if (structured) return JSON.stringify(sampleFromSchema(structured, text));
  if (last?.role === 'tool' || images > 0) return `Echo: ${text}`;
  return undefined;
}
