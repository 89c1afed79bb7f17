import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/** The real Codex CLI, installed as a dev dependency. */
export const REAL_CODEX = resolve(import.meta.dirname, "../../node_modules/.bin/codex");

/**
 * Points the real Codex CLI of a temporary HOME (whose `.codex` and `.viben/executors` folders exist) at a
 * local Responses stub, as a user's own config.toml would, and the gateway at the real CLI; answers the
 * environment the gateway (and so the CLI) runs with.
 */
export async function configureRealCodexHome(
  home: string,
  stubUrl: string,
): Promise<Record<string, string | undefined>> {
  await writeFile(
    join(home, ".codex/config.toml"),
    [
      'model_provider = "local"',
      "check_for_update_on_startup = false",
      "[model_providers.local]",
      'name = "local"',
      `base_url = "${stubUrl}/v1"`,
      'wire_api = "responses"',
      'env_key = "LOCAL_API_KEY"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "[analytics]",
      "enabled = false",
      "[features]",
      "plugins = false",
    ].join("\n"),
  );
  await writeFile(join(home, ".viben/executors/CODEX.yaml"), `command: ${REAL_CODEX}\n`);
  return {
    PATH: process.env.PATH,
    HOME: home,
    CODEX_HOME: join(home, ".codex"),
    LOCAL_API_KEY: "sk-test",
    VIBEN_LOG_LEVEL: "silent",
  };
}
