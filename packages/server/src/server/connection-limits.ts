import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerSettings } from '../profile/server-section.js';

/** Used when the descriptor limit cannot be read (not Linux). */
const fallbackMaxConnections = 4096;
/** Descriptors kept for Redis, MongoDB, log files and listening sockets. */
const reservedDescriptors = 64;

/** The soft limit on open files of this process, from /proc (Linux); undefined elsewhere or unlimited. */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')) {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(read());
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** `auto`: each client connection may need an upstream one, so clients get half the descriptors. */
export function resolveMaxConnections(
  setting: ServerSettings['maxConnections'],
  limit: number | undefined,
): number {
  if (setting !== 'auto') return setting;
  if (limit === undefined) return fallbackMaxConnections;
  return Math.max(16, Math.floor((limit - reservedDescriptors) / 2));
}

/**
 * Caps open connections in total and per client address, so one source of slow or idle sockets
 * cannot take every descriptor: over the cap, a new socket is closed before it is read.
 */
export function installConnectionLimits(
  server: Server,
  settings: Pick<ServerSettings, 'maxConnections' | 'maxConnectionsPerAddress'>,
): void {
  const max = resolveMaxConnections(settings.maxConnections, openFileLimit());
  if (max > 0) server.maxConnections = max;
  const perAddress = settings.maxConnectionsPerAddress;
  if (perAddress <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
