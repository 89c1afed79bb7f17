import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "./openapi.js";

export type { components, operations, paths } from "./openapi.js";

export interface GatewayClientOptions {
  /** The gateway's origin, e.g. `http://127.0.0.1:18790`; the page's own origin in the dashboard. */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer <key>` (never in the URL). Omit on a loopback gateway without keys. */
  apiKey?: string | (() => string | undefined);
  fetch?: (request: Request) => Promise<Response>;
}

export type GatewayClient = Client<paths>;

/**
 * The typed API client the dashboard and the `viben` CLI share. Paths, parameters, bodies and answers are
 * typed from client/openapi.d.ts, generated from the gateway's own route definitions (`npm run gen:client`).
 */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const keyOf =
    typeof options.apiKey === "function" ? options.apiKey : () => options.apiKey as string | undefined;
  const auth: Middleware = {
    onRequest({ request }) {
      const key = keyOf();
      if (key && !request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${key}`);
      return request;
    },
  };
  client.use(auth);
  return client;
}

/** The gateway's error envelope (handlers/errors.ts), as every 4xx/5xx answers it. */
export interface GatewayErrorBody {
  error: string;
  code: string;
  details?: Record<string, unknown>;
}

/** The message of an error answer, whatever its shape: `CODE: message`, else the status. */
export function errorMessage(body: unknown, status: number): string {
  const envelope = body as Partial<GatewayErrorBody> | undefined;
  return typeof envelope?.error === "string"
    ? `${envelope.code ?? status}: ${envelope.error}`
    : `HTTP ${status}`;
}
