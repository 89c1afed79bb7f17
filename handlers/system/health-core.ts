/**
 * The part of a /health answer that needs no services: what the Node gateway's HTTP front answers with
 * while the rest of the gateway is still loading (runtime/node/front.ts), and what the route's answer
 * starts with. Kept free of zod and Hono so the front can load it at start.
 */
export interface CoreHealth {
  version: string;
  runtime: "node" | "workerd";
  /** Epoch ms the gateway started at. */
  startedAt: number;
  now: Date;
  /** False while the gateway is still loading; requests other than /health wait for it meanwhile. */
  ready: boolean;
}

/** The fields as a JSON object text, in the order the Health schema lists them. */
export function coreHealthJson({ version, runtime, startedAt, now, ready }: CoreHealth): string {
  const uptime = Math.max(0, (now.getTime() - startedAt) / 1000);
  return JSON.stringify({
    status: "ok",
    version,
    uptime,
    runtime,
    service: "viben-gateway",
    timestamp: now.toISOString(),
    uptime_seconds: Math.floor(uptime),
    ready,
  });
}

/** Whether a request target (an absolute URL, or a path with its query) names /health; read without parsing. */
export function isHealthPath(target: string): boolean {
  const start = target.startsWith("/") ? 0 : target.indexOf("/", target.indexOf("//") + 2);
  if (start < 0) return false;
  const end = target.indexOf("?", start);
  return (end < 0 ? target.slice(start) : target.slice(start, end)) === "/health";
}
