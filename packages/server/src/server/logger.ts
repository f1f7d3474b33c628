import type { IncomingMessage } from 'node:http';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

const secretHeaders = [
  'authorization',
  'x-api-key',
  'x-api-token',
  'x-token-secret',
  'client_secret',
  'cookie',
];
const secretFields = ['apiKey', 'api_key', 'secret', 'password', 'token', 'client_secret', 'authorization'];

/** Paths pino masks: credential headers, and secret-named fields up to three levels deep. */
export const redactPaths: string[] = [
  ...secretHeaders.map((name) => `req.headers["${name}"]`),
  'res.headers["set-cookie"]',
  ...secretFields.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
];

const secretQueryParam = /^(api[_-]?key|key|token|access_token|secret|client_secret|password)$/i;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A URL with the values of credential-like query parameters masked (EventSource clients send keys there). */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
      return eq >= 0 && secretQueryParam.test(name) ? `${pair.slice(0, eq)}=[Redacted]` : pair;
    });
  return `${url.slice(0, query)}?${params.join('&')}`;
}

interface SerializableRequest {
  id?: string;
  method?: string;
  url?: string;
  headers?: IncomingMessage['headers'];
  ip?: string;
  socket?: { remoteAddress?: string };
}

export interface GatewayLoggerOptions {
  level: string;
  /** Where log lines go (default stdout); tests pass a stream to read them. */
  stream?: DestinationStream;
}

/** The gateway's pino logger. Request bodies are never serialized; headers are, minus credentials. */
export function createLogger(options: GatewayLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level,
    redact: { paths: redactPaths, censor: '[Redacted]' },
    serializers: {
      req(request: SerializableRequest) {
        return {
          id: request.id,
          method: request.method,
          url: request.url === undefined ? undefined : redactUrl(request.url),
          headers: request.headers,
          remoteAddress: request.ip ?? request.socket?.remoteAddress,
        };
      },
      err: pino.stdSerializers.err,
    },
  };
  return options.stream ? pino(config, options.stream) : pino(config);
}
