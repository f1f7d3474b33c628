import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerSettings } from '../profile/server-section.js';
import { admissionLimits, ConnectionAdmission } from './connection-admission.js';

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
 * Caps open connections in total and per client address, keeping a share for addresses with few, so
 * sources of slow or idle sockets cannot take every descriptor: a refused socket is closed before it is read.
 */
export function installConnectionLimits(
  server: Server,
  settings: Pick<ServerSettings, 'maxConnections' | 'maxConnectionsPerAddress'>,
): ConnectionAdmission | undefined {
  const max = resolveMaxConnections(settings.maxConnections, openFileLimit());
  const limits = admissionLimits(max, settings.maxConnectionsPerAddress);
  if (limits.max <= 0 && limits.perAddress <= 0) return undefined;
  const admission = new ConnectionAdmission(limits);
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (!admission.admit(address)) {
      socket.destroy();
      return;
    }
    socket.once('close', () => admission.release(address));
  });
  return admission;
}
