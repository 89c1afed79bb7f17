import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/** The real Claude Code CLI, installed as a dev dependency. */
export const REAL_CLAUDE = resolve(import.meta.dirname, "../../node_modules/.bin/claude");

/**
 * Points a temporary HOME at the real CLI (~/.viben/executors/CLAUDE_CODE.yaml), gives it a private tmp
 * folder, and writes a gateway.yaml with a short stop grace and the given run timeout.
 */
export async function configureRealClaudeHome(home: string, timeoutSeconds: number): Promise<void> {
  await mkdir(join(home, ".viben/executors"), { recursive: true });
  await mkdir(join(home, "tmp"));
  await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${REAL_CLAUDE}\n`);
  await writeFile(
    join(home, ".viben/gateway.yaml"),
    `runs:\n  stop_grace_ms: 1500\n  timeout_seconds: ${timeoutSeconds}\n`,
  );
}

/**
 * The environment a gateway (and so the real CLI it spawns) gets in these tests: the temporary HOME, the
 * CLI's own folders inside it, the local Anthropic stub as its API, and no traffic beyond it.
 */
export function realClaudeEnv(home: string, stubUrl: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: home,
    TMPDIR: join(home, "tmp"),
    CLAUDE_CONFIG_DIR: join(home, ".claude"),
    ANTHROPIC_BASE_URL: stubUrl,
    ANTHROPIC_API_KEY: "test-key",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    IS_SANDBOX: "1",
    VIBEN_LOG_LEVEL: "silent",
  };
}
