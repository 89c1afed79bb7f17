import type { EdgeInboxItem, EdgeInboxReceipt } from "../../handlers/capabilities/edge-inbox.js";

export interface PullOptions {
  /** The edge gateway (`wrangler dev` or the deployed Worker). */
  edgeUrl: string;
  /** An admin API key of the edge (its gateway.yaml is the published local one). */
  edgeToken?: string;
  /** The local Node gateway. */
  localUrl: string;
  /** A hook token or admin key of the local gateway; none in no-key mode. */
  localToken?: string;
  /** Items asked for per page. */
  pageSize?: number;
  fetch?: typeof fetch;
}

export interface PulledItem {
  id: string;
  outcome: "delivered" | "rejected";
  local_job_id?: string;
  error?: string;
}

export interface PullReport {
  items: PulledItem[];
  /** Set when the pull stopped early (the rest waits for the next pull). */
  error?: string;
}

/** Local answers that will not change on a retry: the item is acknowledged as rejected. */
const PERMANENT = new Set([400, 404, 409, 413, 422]);

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The local Idempotency-Key of an item: from the sender's own key when it gave one (so two inbox items
 * for one delivery, possible with KV's eventual consistency, start one run), else from the inbox id.
 * The local gateway remembers it for 24 h, so an item delivered but not acknowledged is not run twice.
 */
export async function localIdempotencyKey(item: EdgeInboxItem): Promise<string> {
  const key = item.metadata?.idempotency_key;
  if (typeof key === "string") return `edge:${await sha256Hex(`${String(item.metadata?.hook)}\n${key}`)}`;
  return `edge:${item.id}`;
}

/** The webhook body the edge accepted, rebuilt from the queue job it stored. */
export function wakeBody(item: EdgeInboxItem): Json {
  const meta = item.metadata ?? {};
  return {
    prompt: item.prompt,
    agent_id: item.agent_id,
    ...(item.session_id ? { session_id: item.session_id } : {}),
    ...(typeof meta.channel === "string" ? { channel: meta.channel } : {}),
    ...(isRecord(meta.metadata) ? { metadata: meta.metadata } : {}),
  };
}

const bearer = (token: string | undefined): Record<string, string> =>
  token ? { authorization: `Bearer ${token}` } : {};

async function errorText(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as Json | null;
  return `${res.status} ${typeof body?.error === "string" ? body.error : res.statusText}`;
}

/**
 * Pulls the edge inbox into the local gateway: each pending item is posted to the local webhook route
 * (`POST /api/hooks/wake` with an Idempotency-Key, so the local queue takes it once), then acknowledged
 * at the edge once with the local job id. A local refusal that a retry cannot fix (unknown agent, bad
 * input) is acknowledged as rejected; anything else stops the pull and leaves the item for the next one.
 */
export async function pullEdgeInbox(options: PullOptions): Promise<PullReport> {
  const http = options.fetch ?? fetch;
  const edge = options.edgeUrl.replace(/\/+$/, "");
  const local = options.localUrl.replace(/\/+$/, "");
  const items: PulledItem[] = [];
  const ack = async (id: string, receipt: EdgeInboxReceipt) => {
    const res = await http(`${edge}/api/edge/inbox/${encodeURIComponent(id)}/ack`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(options.edgeToken) },
      body: JSON.stringify(receipt),
    });
    // 404: acknowledged and expired meanwhile; nothing is left to do.
    if (!res.ok && res.status !== 404) throw new Error(`edge ack of ${id}: ${await errorText(res)}`);
  };
  try {
    for (;;) {
      const res = await http(`${edge}/api/edge/inbox?limit=${options.pageSize ?? 100}`, {
        headers: bearer(options.edgeToken),
      });
      if (!res.ok) throw new Error(`edge inbox: ${await errorText(res)}`);
      const page = (await res.json()) as { items: EdgeInboxItem[]; more: boolean };
      for (const item of page.items) {
        const wake = await http(`${local}/api/hooks/wake`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": await localIdempotencyKey(item),
            ...bearer(options.localToken),
          },
          body: JSON.stringify(wakeBody(item)),
        });
        if (wake.status === 202) {
          const answer = (await wake.json()) as { job_id?: string };
          const receipt: EdgeInboxReceipt = {
            status: "delivered",
            ...(answer.job_id ? { local_job_id: answer.job_id } : {}),
          };
          await ack(item.id, receipt);
          items.push({ id: item.id, outcome: "delivered", ...receipt });
        } else if (PERMANENT.has(wake.status)) {
          const error = await errorText(wake);
          await ack(item.id, { status: "rejected", error });
          items.push({ id: item.id, outcome: "rejected", error });
        } else {
          throw new Error(`local gateway refused inbox item ${item.id}: ${await errorText(wake)}`);
        }
      }
      if (!page.more || page.items.length === 0) return { items };
    }
  } catch (error) {
    return { items, error: (error as Error).message };
  }
}
