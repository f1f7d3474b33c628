import { setTimeout as sleep } from 'node:timers/promises';
import { closeTokenizer } from '@llm-gateway/core';
import type { Profile } from '../profile/schema.js';
import { type BuildServerOptions, buildServer, type GatewayServer } from './build-server.js';
import { countRequests, IdleRelease, watchGatewayRelease } from './idle-release.js';

export interface StartServerOptions extends BuildServerOptions {
  /** Installs SIGTERM/SIGINT handlers that shut down and exit 0 (default true). */
  handleSignals?: boolean;
}

export interface RunningServer extends GatewayServer {
  /** The address it listens on, e.g. `http://127.0.0.1:8080`. */
  url: string;
}

/** Builds the server from a profile and listens on server.host:server.port. */
export async function startServer(
  profile: Profile,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const gateway = await buildServer(profile, options);
  const stopRelease = releaseWhenIdle(gateway);
  const host = listenHost(profile.server.host, gateway.openSurfaces);
  if (gateway.openSurfaces.length > 0) {
    gateway.log.warn(
      `surfaces without credentials: ${gateway.openSurfaces.join(', ')}; listening on ${host}` +
        (profile.server.host === 'auto' ? ' only (configure auth to listen on every interface)' : ''),
    );
  }
  let url: string;
  try {
    url = await gateway.app.listen({ host, port: profile.server.port });
  } catch (error) {
    stopRelease();
    await gateway.close();
    throw error;
  }
  const summary = gateway.instances
    .map((i) => `${i.section}.${i.name}=${i.enabled ? 'on' : 'off'}`)
    .join(' ');
  gateway.log.info(
    `gateway ${profile.service.name} ${profile.service.version} listening on ${url} (${summary})`,
  );

  if (options.handleSignals !== false) {
    process.once('SIGTERM', (signal) => shutdownAndExit(gateway, signal));
    process.once('SIGINT', (signal) => shutdownAndExit(gateway, signal));
  }
  // The tokenizer thread starts on the first usage estimate (if any); it ends with the gateway.
  const close = () => {
    stopRelease();
    return gateway.close().finally(closeTokenizer);
  };
  return { ...gateway, close, url };
}

/** server.memory.releaseAfterIdleMs: after traffic and that long without requests, one GC returns freed heap pages. */
function releaseWhenIdle(gateway: GatewayServer): () => void {
  const idleMs = gateway.profile.server.memory.releaseAfterIdleMs;
  if (idleMs <= 0) return () => {};
  const release = new IdleRelease({ idleMs });
  countRequests(gateway.app.server, release);
  return watchGatewayRelease(gateway, release);
}

const exiting = new WeakSet<GatewayServer>();

/**
 * Turns not-ready at once, keeps serving for server.drainDelayMs (load balancers polling /readyz move
 * away), then drains and closes the gateway (telemetry flushed) and exits 0, or 1 if closing failed.
 */
export function shutdownAndExit(gateway: GatewayServer, reason: string): void {
  if (exiting.has(gateway)) return;
  exiting.add(gateway);
  const delayMs = gateway.profile.server.drainDelayMs;
  gateway.log.info(`${reason} received: not ready; shutting down${delayMs > 0 ? ` in ${delayMs} ms` : ''}`);
  gateway.drain();
  sleep(delayMs)
    .then(() => gateway.close())
    .then(
      () => {
        gateway.log.info('shutdown complete');
        gateway.log.flush?.();
        process.exit(0);
      },
      (error: unknown) => {
        gateway.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
}

/** `auto` keeps an open (credential-less) gateway on loopback; with auth everywhere it listens on all interfaces. */
export function listenHost(configured: string, openSurfaces: readonly string[]): string {
  if (configured !== 'auto') return configured;
  return openSurfaces.length > 0 ? '127.0.0.1' : '0.0.0.0';
}
