import { createGatewayClient, errorMessage, type GatewayClient } from "../client/index.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";

/**
 * The typed API client for the gateway at --url. The CLI only ever speaks HTTP to a gateway (local or
 * remote): it never reads the data folder behind the gateway's back.
 */
export function gatewayClient(context: Pick<CliContext, "url" | "apiKey">): GatewayClient {
  return createGatewayClient({
    baseUrl: context.url,
    apiKey: context.apiKey,
    fetch: (request) => fetchOrExplain(request, context.url),
  });
}

async function fetchOrExplain(request: Request, url: string): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    throw new CliError(
      `no gateway answers at ${url} (${causeOf(error)}); start one with: viben gateway start`,
    );
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The answer's body, or a CliError carrying the error envelope's message (`CODE: message`), so a failed call
 * prints one line and the command exits non-zero.
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) throw new CliError(errorMessage(error, response.status));
  return data as T;
}
