import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { publishToEdge } from "../publish/publish.js";
import { type KvTarget, WranglerKv } from "../publish/wrangler-kv.js";

const USAGE = `npm run publish:edge -- [--local [--persist-to <dir>] | --remote] [--workspace <dir>]... [--skip-sessions]

Publishes the local gateway's data (~/.viben, or VIBEN_HOME) to the Worker's VIBEN_KV namespace:
  --local          wrangler's local simulation, as \`wrangler dev\` reads it (default)
  --persist-to     the same directory you give \`wrangler dev --persist-to\` (default .wrangler/state)
  --remote         the namespace on Cloudflare (wrangler login, and its id in wrangler.toml)
  --workspace      also publish <dir>/.viben (repeatable), so workspace_path=<dir> works at the edge
  --skip-sessions  leave sessions and history out`;

/** `npm run publish:edge`: see USAGE and README "Workers (edge)". */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      local: { type: "boolean" },
      remote: { type: "boolean" },
      "persist-to": { type: "string" },
      workspace: { type: "string", multiple: true },
      "skip-sessions": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.remote && (values.local || values["persist-to"])) {
    throw new Error("--remote cannot be combined with --local or --persist-to");
  }
  const target: KvTarget = values.remote
    ? { mode: "remote" }
    : { mode: "local", ...(values["persist-to"] ? { persistTo: values["persist-to"] } : {}) };
  const workspaces = (values.workspace ?? []).map((w) => resolve(w));
  for (const workspace of workspaces) {
    const found = await stat(workspace).catch(() => null);
    if (!found?.isDirectory()) throw new Error(`--workspace ${workspace}: not a directory`);
  }
  const home = resolve(process.env.HOME || homedir());
  const globalRoot = resolve(process.env.VIBEN_HOME || join(home, ".viben"));
  const report = await publishToEdge({
    home,
    globalRoot,
    workspaces,
    includeSessions: !values["skip-sessions"],
    env: process.env,
    kv: new WranglerKv(target),
    warn: (message) => process.stderr.write(`publish:edge: ${message}\n`),
  });
  const where = target.mode === "remote" ? "Cloudflare" : (target.persistTo ?? ".wrangler/state");
  process.stdout.write(
    `published ${report.written} keys from ${globalRoot} to VIBEN_KV (${where}); removed ${report.removed} stale\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`publish:edge: ${(error as Error).message}\n`);
  process.exit(1);
});
