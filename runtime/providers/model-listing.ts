import type { ProviderCheck } from "../../handlers/capabilities/providers.js";
import type { ResolvedProvider } from "../../storage/provider-types.js";
import { listingRequest, providerSecrets } from "./listing-request.js";

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
/** Bounds a paged listing (Anthropic), so a provider that always says `has_more` cannot loop us. */
const MAX_PAGES = 20;
const MAX_ERROR_LENGTH = 300;

export interface ListingOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

type ListedModel = ProviderCheck["models"][number];

class ListingError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Keeps keys out of messages that quote the provider (some echo the key they refused). */
function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out.length > MAX_ERROR_LENGTH ? `${out.slice(0, MAX_ERROR_LENGTH)}…` : out;
}

/** The message of an OpenAI (`{error: {message}}`) or Anthropic (`{error: {type, message}}`) error body. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const nested = typeof parsed.error === "object" ? parsed.error?.message : parsed.error;
    const message = nested ?? parsed.message;
    if (typeof message === "string" && message) return message;
  } catch {
    // Not JSON: the text itself (a proxy's HTML page, a plain message).
  }
  return body.replace(/\s+/g, " ").trim();
}

function parseModels(body: string): { models: ListedModel[]; nextAfter?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ListingError("the answer is not JSON: is base_url the API root (e.g. ending in /v1)?");
  }
  const page = parsed as { data?: unknown; has_more?: unknown; last_id?: unknown };
  if (!Array.isArray(page?.data)) throw new ListingError("the answer has no model list (`data` array)");
  const models: ListedModel[] = [];
  for (const item of page.data as { id?: unknown; display_name?: unknown; name?: unknown }[]) {
    if (typeof item?.id !== "string" || !item.id) continue;
    const name = typeof item.display_name === "string" ? item.display_name : item.name;
    models.push(typeof name === "string" && name ? { id: item.id, name } : { id: item.id });
  }
  const nextAfter = page.has_more === true && typeof page.last_id === "string" ? page.last_id : undefined;
  return nextAfter ? { models, nextAfter } : { models };
}

function describeFailure(
  error: unknown,
  signal: AbortSignal,
  timeoutMs: number,
  origin: string,
): ListingError {
  if (error instanceof ListingError) return error;
  if (signal.aborted) return new ListingError(`no answer from ${origin} within ${timeoutMs / 1000} s`);
  // fetch reports network failures as "fetch failed" with the system error as its cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error).message;
  return new ListingError(`cannot connect to ${origin}: ${String(detail)}`);
}

async function fetchPage(
  provider: ResolvedProvider,
  afterId: string | undefined,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<{ models: ListedModel[]; nextAfter?: string; status: number }> {
  const request = listingRequest(provider, afterId);
  if ("error" in request) throw new ListingError(request.error);
  // Redirects are not followed: they would carry the key to wherever they point.
  const res = await fetchImpl(request.url, { headers: request.headers, signal, redirect: "manual" });
  const body = await res.text();
  if (res.status >= 300 && res.status < 400) {
    throw new ListingError(
      `redirected (HTTP ${res.status}) to ${res.headers.get("location") ?? "elsewhere"}: set base_url to the final address`,
      res.status,
    );
  }
  if (!res.ok) {
    const what =
      res.status === 401 || res.status === 403
        ? "authentication failed"
        : res.status === 404
          ? `no model listing at ${new URL(request.url).pathname} (is base_url the API root?)`
          : "the provider refused";
    throw new ListingError(`${what} (HTTP ${res.status}): ${errorMessage(body)}`, res.status);
  }
  return { ...parseModels(body), status: res.status };
}

/**
 * Lists a provider's models: checks that it answers, accepts the key and speaks the expected format.
 * Never throws: failures, timeouts and malformed answers are `ok: false` with a message free of keys.
 */
export async function fetchModelListing(
  provider: ResolvedProvider,
  options: ListingOptions = {},
): Promise<ProviderCheck> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const signal = AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const first = listingRequest(provider);
  const origin = "url" in first ? new URL(first.url).origin : (provider.base_url ?? provider.id);
  const models: ListedModel[] = [];
  let status: number | undefined;
  try {
    let afterId: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await fetchPage(provider, afterId, fetchImpl, signal);
      status = result.status;
      models.push(...result.models);
      afterId = result.nextAfter;
      if (!afterId) break;
    }
    return { ok: true, latency_ms: latency(), models, status, checked_at: now().toISOString() };
  } catch (error) {
    const failure = describeFailure(error, signal, timeoutMs, origin);
    return {
      ok: false,
      latency_ms: latency(),
      models: [],
      error: scrub(failure.message, providerSecrets(provider)),
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      checked_at: now().toISOString(),
    };
  }
}
