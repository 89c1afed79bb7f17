import type { Command } from "commander";
import { gatewayClient } from "../client.js";
import type { CliContext } from "../context.js";
import { dataDir, formatDuration, runningGateway } from "./local.js";

export interface GatewayStatus {
  running: boolean;
  url: string;
  data_dir: string;
  pid?: number;
  version?: string;
  uptime_seconds?: number;
  started_at?: string;
  runs?: { active: number; total: number };
  sessions_active?: number;
  channels?: Array<{ name: string; platform: string; state: string; error?: string }>;
  error?: string;
}

/**
 * The gateway's state from its own answers (/health, /api/channels). Without --url (or VIBEN_URL) it asks
 * the gateway that holds this machine's data folder, wherever it listens.
 */
export async function gatewayStatus(context: CliContext, command: Command): Promise<GatewayStatus> {
  const dir = dataDir();
  const lock = await runningGateway(dir);
  const explicit = command.getOptionValueSourceWithGlobals("url") !== "default";
  const url = (!explicit && lock?.url ? lock.url : context.url)
    .replace("//0.0.0.0:", "//127.0.0.1:")
    .replace("//[::]:", "//[::1]:");
  const client = gatewayClient({ url, apiKey: context.apiKey });
  const status: GatewayStatus = { running: false, url, data_dir: dir, ...(lock ? { pid: lock.pid } : {}) };
  try {
    const health = await client.GET("/health", { signal: AbortSignal.timeout(5000) });
    if (!health.data) {
      status.error = `/health answered ${health.response.status}`;
      return status;
    }
    const body = health.data;
    status.running = true;
    status.version = body.version;
    status.uptime_seconds = body.uptime_seconds;
    if (body.startup) {
      status.pid = body.startup.pid;
      status.started_at = body.startup.started_at;
    }
    if (body.runs) status.runs = { active: body.runs.active, total: body.runs.total };
    if (body.sessionsActive !== undefined) status.sessions_active = body.sessionsActive;
  } catch (error) {
    status.error = (error as Error).message;
    return status;
  }
  const channels = await client.GET("/api/channels").catch(() => undefined);
  if (channels?.data)
    status.channels = channels.data.channels.map((channel) => ({
      name: channel.name,
      platform: channel.platform,
      state: channel.status.state,
      ...(channel.status.error ? { error: channel.status.error } : {}),
    }));
  return status;
}

export function printStatus(context: CliContext, status: GatewayStatus): void {
  const { out } = context;
  const c = out.colors;
  out.result(status, () => {
    out.line(
      status.running
        ? `${c.green("●")} gateway running at ${c.bold(status.url)}`
        : `${c.red("●")} no gateway answers at ${status.url}${status.pid ? ` (pid ${status.pid} holds the data folder)` : ""}`,
    );
    if (!status.running) {
      if (status.error) out.line(c.dim(`  ${status.error.replace(/; start one with: .*$/, "")}`));
      out.line(c.dim("  start one with: viben gateway start --detach"));
      return;
    }
    out.fields([
      ["pid", status.pid],
      ["version", status.version],
      ["uptime", status.uptime_seconds === undefined ? undefined : formatDuration(status.uptime_seconds)],
      ["runs", status.runs ? `${status.runs.active} in flight, ${status.runs.total} since start` : undefined],
      ["data folder", status.data_dir],
    ]);
    if (status.channels) {
      out.line();
      out.table(
        status.channels,
        [
          { header: "CHANNEL", value: (row) => row.name },
          { header: "PLATFORM", value: (row) => row.platform },
          {
            header: "STATE",
            value: (row) => row.state,
            color: (text, row) =>
              row.state === "running" ? c.green(text) : row.state === "error" ? c.red(text) : text,
          },
          { header: "ERROR", value: (row) => row.error ?? "" },
        ],
        "no channels configured",
      );
    }
  });
}
