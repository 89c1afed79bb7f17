import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { GatewayConfigSchema } from "../../storage/gateway-config.js";
import { GATEWAY_CONFIG_DESCRIPTIONS } from "../../storage/gateway-config-template.js";

export interface ConfigProblem {
  /** 1-based line and column in gateway.yaml, where known. */
  line?: number;
  column?: number;
  /** The setting, dotted (`queue.concurrency`); absent for YAML syntax errors. */
  setting?: string;
  message: string;
  severity: "error" | "warning";
}

export interface ConfigCheck {
  path: string;
  exists: boolean;
  ok: boolean;
  problems: ConfigProblem[];
  /** The port it sets, when valid. */
  port?: number;
}

/** Top-level sections other tools read from gateway.yaml (the edge puller's `edge:`). */
const OTHER_SECTIONS = new Set(["edge"]);

/**
 * Checks ~/.viben/gateway.yaml against the gateway's own schema (storage/gateway-config.ts), without a
 * gateway: the one place the CLI reads the data folder, since a broken file may be why no gateway runs.
 * Every problem carries the line of the offending key or value.
 */
export async function checkGatewayYaml(dataDir: string): Promise<ConfigCheck> {
  const path = join(dataDir, "gateway.yaml");
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text === undefined) return { path, exists: false, ok: true, problems: [] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  let port: number | undefined;
  const problems: ConfigProblem[] = doc.errors.map((error) => ({
    ...at(error.pos[0]),
    message: error.message.split("\n")[0] ?? error.message,
    severity: "error" as const,
  }));
  if (problems.length === 0) {
    const data = doc.toJS() ?? {};
    const parsed = GatewayConfigSchema.safeParse(data);
    if (parsed.success && parsed.data.port !== undefined) port = parsed.data.port;
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.map((part) => (typeof part === "symbol" ? String(part) : part));
        problems.push({
          ...at(nodeOffset(doc, path)),
          setting: path.length > 0 ? path.join(".") : "(root)",
          message: issue.message,
          severity: "error",
        });
      }
    }
    // The schema lets unknown keys through; a misspelt one is flagged (it does nothing).
    const root = doc.contents;
    if (isMap(root))
      for (const pair of root.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined || key in GATEWAY_CONFIG_DESCRIPTIONS || OTHER_SECTIONS.has(key)) continue;
        problems.push({
          ...at((pair.key as { range?: [number, number, number] }).range?.[0]),
          setting: key,
          message: `unknown setting '${key}' (ignored by the gateway; see viben config init for every setting)`,
          severity: "warning",
        });
      }
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return {
    path,
    exists: true,
    ok: !problems.some((problem) => problem.severity === "error"),
    problems,
    ...(port === undefined ? {} : { port }),
  };
}

/** Where the issue's node starts: the deepest part of its path that exists in the file. */
function nodeOffset(
  doc: { getIn(path: Iterable<unknown>, keepScalar?: boolean): unknown },
  path: Array<string | number>,
): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = doc.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return node.range[0];
  }
  return undefined;
}

export function formatProblem(problem: ConfigProblem, file: string): string {
  const where = problem.line ? `${file}:${problem.line}${problem.column ? `:${problem.column}` : ""}` : file;
  return `${where}: ${problem.severity}: ${problem.setting ? `${problem.setting}: ` : ""}${problem.message}`;
}
