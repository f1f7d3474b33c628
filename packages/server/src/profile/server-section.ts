import { z } from 'zod';
import { envBoolean, envNumber, port } from './coerce.js';

const milliseconds = (fallback: number) => envNumber(z.number().int().nonnegative().default(fallback));

/** Failed logins (401 answers) per address and claimed identity, and per address, before requests get 429. */
const authFailuresSection = z
  .strictObject({
    enabled: envBoolean(z.boolean().default(true)),
    /** 401 answers one claimed identity (key, JWT subject, client id) at one address may get per window. */
    limit: envNumber(z.number().int().positive().default(30)),
    /** 401 answers one address may get per window, whatever identities it claims; `auto`: 10 x limit. */
    addressLimit: z.union([z.literal('auto'), envNumber(z.number().int().positive())]).default('auto'),
    windowSeconds: envNumber(z.number().int().positive().default(60)),
    /** How long an address that went over the limit is refused (429 with Retry-After). */
    blockSeconds: envNumber(z.number().int().positive().default(300)),
  })
  .prefault({});

/** V8 heap settings `gateway start` applies to its processes (flags already given via NODE_OPTIONS win), and the idle release. */
const memorySection = z
  .strictObject({
    /** --max-semi-space-size: V8 grows each young-generation half to 64 MiB under load; 16 costs no CPU here. 0 = V8's default. */
    semiSpaceMiB: envNumber(z.number().int().nonnegative().default(16)),
    /** --max-old-space-size: the old generation's limit. 0 = V8's default (from the host's memory). */
    maxOldSpaceMiB: envNumber(z.number().int().nonnegative().default(0)),
    /**
     * Quiet time after traffic before one memory-reducing GC gives V8's freed heap pages back to the OS. 0 = off.
     * The first seconds of load after a release cost up to 2x CPU per request, so short lulls do not trigger it.
     */
    releaseAfterIdleMs: milliseconds(30_000),
  })
  .prefault({});

export const serverSection = z
  .strictObject({
    /** `auto`: 0.0.0.0 when every surface requires credentials, else 127.0.0.1 only. */
    host: z.string().min(1).default('auto'),
    port: envNumber(port().default(8080)),
    /** Largest accepted request body, in bytes. */
    bodyLimit: envNumber(z.number().int().positive().default(1_048_576)),
    /** Deepest nesting of a JSON body (objects and arrays); deeper is a 400 before the body is parsed. */
    maxJsonDepth: envNumber(z.number().int().positive().default(64)),
    /** Trust X-Forwarded-* from a proxy in front. */
    trustProxy: envBoolean(z.boolean().default(false)),
    /** How long shutdown waits for in-flight requests. */
    shutdownTimeoutMs: envNumber(z.number().int().nonnegative().default(10_000)),
    /** After SIGTERM, /readyz is 503 but new requests are still served this long, so load balancers polling it move away first. */
    drainDelayMs: milliseconds(0),
    /** The whole request (headers and body) must arrive within this; answers and streams are not cut. 0 = off. */
    requestTimeoutMs: milliseconds(30_000),
    /** The request head must arrive within this (slow-header clients). */
    headersTimeoutMs: milliseconds(10_000),
    /** An idle keep-alive connection is closed after this (above a load balancer's idle timeout). */
    keepAliveTimeoutMs: milliseconds(72_000),
    /** A socket silent in both directions for this long is closed; 0 = off (the timeouts above cover idle clients). */
    connectionTimeoutMs: milliseconds(0),
    /** Requests one keep-alive connection may carry before it is closed; 0 = unlimited. */
    maxRequestsPerSocket: envNumber(z.number().int().nonnegative().default(0)),
    /** Open client connections; `auto` leaves half the process's file descriptors for upstreams. 0 = unlimited. */
    maxConnections: z.union([z.literal('auto'), envNumber(z.number().int().nonnegative())]).default('auto'),
    /**
     * Open connections from one client address; `auto`: an eighth of maxConnections (256 when unlimited), with a
     * quarter of maxConnections kept for addresses holding few. Behind a proxy, raise it or set 0 (no reserve).
     */
    maxConnectionsPerAddress: z
      .union([z.literal('auto'), envNumber(z.number().int().nonnegative())])
      .default('auto'),
    authFailures: authFailuresSection,
    /** Gateway processes on this port (node:cluster): one per core uses the whole host. Not queue.workers. */
    workers: envNumber(z.number().int().min(1).max(256).default(1)),
    /**
     * Same-wire relay: a Chat Completions request answered by an OpenAI-wire backend, or a Messages request
     * answered by Anthropic, gets the upstream's own bytes, read only for accounting. false: every answer
     * is translated from the normalized result (the same features, more CPU per request).
     */
    relay: envBoolean(z.boolean().default(true)),
    memory: memorySection,
  })
  .superRefine((server, ctx) => {
    const { requestTimeoutMs: request, headersTimeoutMs: headers } = server;
    if (request > 0 && (headers === 0 || headers > request)) {
      ctx.addIssue({
        code: 'custom',
        path: ['headersTimeoutMs'],
        message: `must be between 1 and requestTimeoutMs (${request})`,
      });
    }
  })
  .prefault({});

export type ServerSettings = z.output<typeof serverSection>;
