import { createGatewayClient, errorMessage } from "../client/index.js";

const KEY_ITEM = "viben.apiKey";

/** The API key the user logged in with, kept for this browser tab's session only (never in the URL). */
export function apiKey(): string | undefined {
  return sessionStorage.getItem(KEY_ITEM) ?? undefined;
}

export function setApiKey(key: string | undefined): void {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when the gateway answers 401: the shell shows the login form. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** The typed API client (client/index.ts) on the page's own origin, sending the key when there is one. */
export const api = createGatewayClient({ baseUrl: location.origin, apiKey });
api.use({
  onResponse({ response }) {
    if (response.status === 401) for (const listener of unauthorizedListeners) listener();
    return response;
  },
});

/** Thrown by `must` for an error answer: the gateway's envelope as `CODE: message`. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The data of a typed client answer, or an ApiFailure naming the gateway's error. */
export async function must<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await pending;
  if (error !== undefined || !response.ok)
    throw new ApiFailure(errorMessage(error, response.status), response.status);
  return data as NonNullable<T>;
}

/** Headers for hand-made requests (streams): the key, when there is one. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const key = apiKey();
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

/** A WebSocket URL on the page's origin; browsers cannot send headers there, so the key rides as `?token=`. */
export function webSocketUrl(path: string, query: Record<string, string> = {}): string {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const key = apiKey();
  if (key) url.searchParams.set("token", key);
  return url.href;
}
