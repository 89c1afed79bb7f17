import { join } from "node:path";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { GatewayApp } from "../../handlers/index.js";
import { GATEWAY_CONFIG_KEY } from "../../storage/gateway-listen.js";
import type { GatewayEventBus } from "../event-bus.js";
import type { PtyModule } from "../terminals/terminal-manager.js";

/** What start-up (server.ts) and the gateway behind the front (gateway-services.ts) both know. */
export const DEFAULT_PORT = 18790;
export const DEFAULT_HOST = "127.0.0.1";
/** Largest WebSocket frame read at all (/ws, /terminal/ws). */
export const MAX_WEBSOCKET_FRAME_BYTES = 4 * 1024 * 1024;

export interface GatewayOptions {
  host?: string;
  port?: number | string;
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  /** Interval of `: ping` comments on idle SSE streams (tests use a short one). */
  sseHeartbeatMs?: number;
  /** Loads the PTY module on first terminal use (default `@lydell/node-pty`; tests pass a broken one). */
  loadPty?: () => Promise<PtyModule>;
  /** The clock OAuth token expiry is judged by, epoch ms (tests move it forward). */
  oauthNow?: () => number;
}

export interface RunningGateway {
  url: string;
  host: string;
  port: number;
  app: GatewayApp;
  /** The event bus behind /api/events (runs publish into it; tests and benches too). */
  events: GatewayEventBus;
  close(): Promise<void>;
}

export class GatewayStartError extends Error {
  override name = "GatewayStartError";
}

export function parsePort(value: string | number | undefined, source: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const port = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new GatewayStartError(`${source}: port must be an integer between 0 and 65535, got '${value}'`);
  }
  return port;
}

export function refusedBindMessage(host: string, globalRoot: string): string {
  return (
    `refusing to bind ${host}: it is not a loopback address and no API keys are configured. ` +
    `Add api_keys to ${join(globalRoot, GATEWAY_CONFIG_KEY)} or bind 127.0.0.1.`
  );
}
