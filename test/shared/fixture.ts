// Storage schemas (idSchema) gain `.openapi` only if zod was extended before they were built, as the app
// does; this module loads storage first, so it extends zod itself.
import "@hono/zod-openapi";
import { mkdir, mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createStorage } from "unstorage";
import type { BackendFactory } from "../../storage/backend.js";
import { CronJobRepository } from "../../storage/cron-jobs.js";
import { FsAppendLog } from "../../storage/drivers/fs-append-log.js";
import { atomicFsDriver } from "../../storage/drivers/fs-atomic.js";
import { HistoryRepository } from "../../storage/history.js";
import { Scopes } from "../../storage/scopes.js";
import { SessionRepository } from "../../storage/sessions.js";

/** Credentials of the fixture's gateway.yaml; two are `${ENV}` references, expanded from SECRET_ENV. */
export const KEYS = {
  admin: "suite-admin-key-0123456789abcdef",
  operator: "suite-operator-key-0123456789ab",
  viewer: "suite-viewer-key-0123456789abcd",
  hook: "suite-hook-token-0123456789abcdef",
} as const;
export const SECRET_ENV = { VIBEN_SUITE_ADMIN_KEY: KEYS.admin, VIBEN_SUITE_HOOK_TOKEN: KEYS.hook };
/** Literal secrets written into files: they must never appear in an answer (nor in KV). */
export const LITERAL_SECRETS = ["sk-suite-literal-provider-secret", "suite-literal-mcp-secret"];
export const SESSION_ID = "suite-session-1";
export const CLAUDE_AUTH_MTIME = 1770741923;
const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

export interface Fixture {
  home: string;
  /** A workspace with its own `.viben` (an agent of its own). */
  project: string;
}

const GATEWAY_WITH_KEYS = `# written by the shared suite
api_keys:
  - { name: laptop, key: "\${VIBEN_SUITE_ADMIN_KEY}", role: admin }
  - { name: ci, key: ${KEYS.operator}, role: operator }
  - { name: dashboard, key: ${KEYS.viewer}, role: viewer }
hooks:
  tokens: [{ name: github, token: "\${VIBEN_SUITE_HOOK_TOKEN}" }]
queue: { concurrency: 2 }
`;

const PROVIDER = `name: GPU box
type: openai-compatible
base_url: http://127.0.0.1:9/v1
api_key: ${LITERAL_SECRETS[0]}   # a literal key: masked in answers and before publishing
headers: { X-Org: "\${SUITE_ORG_ID}" }
models:
  - { id: suite-model-32b, name: Suite Model 32B, context_window: 32768, pricing: { input: 10, output: 20 } }
`;

const HELPER = `name: helper
description: The suite's executor agent
executor_type: CLAUDE_CODE
mcp_servers:
  fs:
    command: /bin/true
    env: { TOKEN: ${LITERAL_SECRETS[1]}, REF: "\${SUITE_REF}" }
`;

/** Files without a watcher (the fixture is written once, before any gateway reads it). */
const files: BackendFactory = (root) => {
  const storage = createStorage({ driver: atomicFsDriver({ base: root }) });
  return { storage, watch: async () => false, dispose: () => storage.dispose() };
};

async function put(path: string, text: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, text);
}

/**
 * The data every runtime serves in the shared suite, written as the Node gateway would keep it: agents
 * (one with a Unicode id), a default agent, a provider with a literal key, a session with messages and
 * history, a cron job, an executor override (the fake Claude CLI) and a logged-in Claude Code in HOME.
 * `withKeys: false` leaves gateway.yaml out (no-key mode).
 */
export async function writeFixture(options: { withKeys: boolean }): Promise<Fixture> {
  const home = await mkdtemp(join(tmpdir(), "viben-suite-home-"));
  // Inside HOME: workspaces must lie inside workdir_roots, which default to the home directory.
  const project = join(home, "project");
  const root = join(home, ".viben");
  if (options.withKeys) await put(join(root, "gateway.yaml"), GATEWAY_WITH_KEYS);
  await put(join(root, "agents/helper/config.yaml"), HELPER);
  await put(
    join(root, "agents/本地助手/config.yaml"),
    "name: 本地助手\nprovider: gpu\nmodel: suite-model-32b\n",
  );
  await put(join(root, "config.yaml"), "default_agent: helper\n");
  await put(join(root, "providers/gpu.yaml"), PROVIDER);
  await put(join(root, "executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
  await put(join(project, ".viben/agents/project-agent/config.yaml"), "name: project-agent\n");
  await put(join(home, ".claude/.credentials.json"), "{}");
  await utimes(join(home, ".claude/.credentials.json"), CLAUDE_AUTH_MTIME, CLAUDE_AUTH_MTIME);

  const scopes = new Scopes({ home, globalRoot: root, backend: files });
  try {
    const log = new FsAppendLog(root);
    const history = new HistoryRepository({ log });
    const sessions = new SessionRepository({ scope: scopes.global(), log, history });
    await sessions.create({
      id: SESSION_ID,
      agent_id: "helper",
      agent_source: "global",
      workspace_path: home,
      workdir: home,
      executor_type: "CLAUDE_CODE",
    });
    await sessions.appendMessages(SESSION_ID, [
      { role: "user", content: "What is in this folder?", run_id: "run-1" },
      { role: "assistant", content: "Two files.", run_id: "run-1" },
      { role: "user", content: "And now?", run_id: "run-2" },
      { role: "assistant", content: "Still two.", run_id: "run-2" },
    ]);
    await sessions.startRun(SESSION_ID, "run-2");
    await sessions.finishRun(SESSION_ID, {
      run_id: "run-2",
      status: "completed",
      prompt: "And now?",
      response: "Still two.",
    });
    await new CronJobRepository(scopes.global()).create({
      id: "nightly",
      name: "Nightly report",
      schedule: "30 2 * * *",
      timezone: "UTC",
      agent_id: "helper",
      prompt: "Summarise the day",
      enabled: true,
      misfire_policy: "skip",
      overlap_policy: "skip",
    });
  } finally {
    await scopes.dispose();
  }
  return { home, project };
}
