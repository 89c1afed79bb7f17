import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { expandEnv } from "../../../storage/env.js";
import {
  compileGatewayConfig,
  GATEWAY_CONFIG_KEY,
  type GatewayConfig,
} from "../../../storage/gateway-config.js";
import { parseYamlDocument, yamlToObject } from "../../../storage/yaml.js";
import { pullEdgeInbox } from "../inbox-puller.js";

const USAGE = `npm run pull:edge -- [--url <edge>] [--token <key>] [--local-url <url>] [--local-token <t>] [--watch [--interval <s>]]

Moves webhook wakes accepted at the edge into the local gateway's queue, acknowledging each once.
Defaults come from ~/.viben/gateway.yaml:
  edge: { url: https://viben.example.workers.dev, token: "\${VIBEN_ADMIN_KEY}", poll_seconds: 30 }
  --token        an admin API key of the edge (default edge.token, or VIBEN_EDGE_TOKEN)
  --local-url    the local gateway (default http://127.0.0.1:<port from gateway.yaml, VIBEN_PORT or 18790>)
  --local-token  a hook token or admin key of the local gateway (default VIBEN_LOCAL_TOKEN, else the
                 first hook token, else the first admin key of gateway.yaml; none in no-key mode)
  --watch        keep pulling every --interval seconds (default edge.poll_seconds, else 30)`;

/** gateway.yaml `edge:`, read by this command only (the gateway itself ignores the section). */
const EdgeSectionSchema = z
  .object({
    url: z.url().optional(),
    token: z.string().optional(),
    poll_seconds: z.number().int().min(1).optional(),
  })
  .loose();

async function readGatewayYaml(globalRoot: string): Promise<Record<string, unknown>> {
  const text = await readFile(join(globalRoot, GATEWAY_CONFIG_KEY), "utf8").catch(() => "");
  return text ? yamlToObject(parseYamlDocument(text, GATEWAY_CONFIG_KEY)) : {};
}

function localUrl(config: GatewayConfig): string {
  const bind = process.env.VIBEN_HOST || config.bind;
  const host =
    !bind || bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind.includes(":") ? `[${bind}]` : bind;
  return `http://${host}:${process.env.VIBEN_PORT || config.port || 18790}`;
}

function expanded(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const { value: out, missing } = expandEnv(value, process.env);
  if (missing.length > 0)
    throw new Error(`edge.token: environment variable ${missing.join(", ")} is not set`);
  return out;
}

/** `npm run pull:edge`: see USAGE and README "Workers (edge)". */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      token: { type: "string" },
      "local-url": { type: "string" },
      "local-token": { type: "string" },
      watch: { type: "boolean" },
      interval: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const home = resolve(process.env.HOME || homedir());
  const data = await readGatewayYaml(resolve(process.env.VIBEN_HOME || join(home, ".viben")));
  const config = compileGatewayConfig(data, process.env);
  const edge = EdgeSectionSchema.parse(data.edge ?? {});
  const edgeUrl = values.url ?? edge.url;
  if (!edgeUrl) throw new Error(`no edge URL: pass --url or set edge.url in gateway.yaml\n\n${USAGE}`);
  const options = {
    edgeUrl,
    edgeToken: values.token ?? process.env.VIBEN_EDGE_TOKEN ?? expanded(edge.token),
    localUrl: values["local-url"] ?? localUrl(config),
    localToken:
      values["local-token"] ??
      process.env.VIBEN_LOCAL_TOKEN ??
      config.hookTokens[0]?.token ??
      config.apiKeys.find((k) => k.role === "admin")?.key,
  };
  const interval = Number(values.interval ?? edge.poll_seconds ?? 30);
  if (!Number.isFinite(interval) || interval < 1) throw new Error("--interval: must be at least 1 second");
  for (;;) {
    const report = await pullEdgeInbox(options);
    for (const item of report.items) {
      const detail = item.local_job_id ? `local job ${item.local_job_id}` : (item.error ?? "");
      process.stdout.write(`${item.outcome} ${item.id} ${detail}\n`);
    }
    if (report.error) process.stderr.write(`pull:edge: ${report.error}\n`);
    if (!values.watch) {
      if (report.error) process.exitCode = 1;
      process.stdout.write(`pulled ${report.items.length} item(s) from ${edgeUrl}\n`);
      return;
    }
    await new Promise((done) => setTimeout(done, interval * 1000));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`pull:edge: ${(error as Error).message}\n`);
  process.exit(1);
});
