import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse, stringify } from "yaml";
import { gatewayClient, unwrap } from "./client.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";

/** The fields `PATCH /api/agent/{id}` changes (its AgentPatch body); the rest of an agent is derived. */
const EDITABLE = [
  "name",
  "description",
  "executor_type",
  "model",
  "provider",
  "system_prompt",
  "append_prompt",
  "temperature",
  "max_tokens",
  "max_turns",
  "permission_mode",
  "mcp_servers",
  "skills",
  "workdirs",
  "executor_config",
  "plan_mode",
  "approvals",
  "pause_before",
  "approval_timeout_secs",
  "is_template",
  "template_description",
  "custom_variables",
  "env_variables",
] as const;

/** `viben agent edit`'s flags: each one changes that field without an editor. */
export interface EditOptions {
  name?: string;
  description?: string;
  executor?: string;
  model?: string;
  prompt?: string;
  systemPrompt?: string;
  workspace?: string;
}

type Patch = Record<string, unknown>;

function patchFromFlags(options: EditOptions): Patch {
  const patch: Patch = {};
  if (options.name !== undefined) patch.name = options.name;
  if (options.description !== undefined) patch.description = options.description;
  if (options.executor !== undefined) patch.executor_type = options.executor;
  if (options.model !== undefined) patch.model = options.model;
  if (options.prompt !== undefined) patch.append_prompt = options.prompt;
  if (options.systemPrompt !== undefined) patch.system_prompt = options.systemPrompt;
  return patch;
}

/** What changed between the fields shown in the editor and what came back: removed keys become null. */
export function diffEditable(before: Patch, after: Patch): Patch {
  const patch: Patch = {};
  for (const key of EDITABLE) {
    if (!(key in after)) {
      if (key in before) patch[key] = null;
    } else if (!isDeepStrictEqual(before[key], after[key])) patch[key] = after[key];
  }
  return patch;
}

/**
 * `viben agent edit <id>`: with flags, changes those fields; otherwise opens $VISUAL/$EDITOR on the agent's
 * editable fields as YAML and applies what changed. The gateway validates: on a refusal an interactive
 * session re-opens the editor with the error on top; a script gets the error and exit code 1.
 */
export async function editAgent(context: CliContext, id: string, options: EditOptions): Promise<void> {
  const client = gatewayClient(context);
  const query = options.workspace ? { workspace_path: options.workspace } : {};
  const apply = (patch: Patch) =>
    client.PATCH("/api/agent/{id}", { params: { path: { id }, query }, body: patch as never });
  const { out } = context;
  const flags = patchFromFlags(options);
  if (Object.keys(flags).length > 0) {
    const answer = await unwrap(apply(flags));
    out.result(answer, () =>
      out.line(`updated ${out.colors.bold(answer.id)}: ${Object.keys(flags).join(", ")}`),
    );
    return;
  }
  const editor = process.env.VISUAL || process.env.EDITOR;
  if (!editor) {
    throw new CliError(
      "agent edit opens $VISUAL or $EDITOR, and neither is set; set one, or change fields with flags (--model, --prompt, …)",
    );
  }
  const detail = (await unwrap(
    client.GET("/api/agent/{id}", { params: { path: { id }, query } }),
  )) as unknown as Patch;
  const before: Patch = {};
  for (const key of EDITABLE) if (detail[key] !== undefined) before[key] = detail[key];
  const interactive = process.stdin.isTTY === true;
  const dir = await mkdtemp(join(tmpdir(), "viben-edit-"));
  const file = join(dir, `${id}.yaml`);
  try {
    let problem: string | undefined;
    let text = stringify(before);
    for (;;) {
      const header = [
        `# Agent ${id}: save and quit to apply; delete a line to unset that field.`,
        ...(problem ? [`# The gateway refused the last version: ${problem}`] : []),
      ];
      await writeFile(file, `${header.join("\n")}\n${text}`, { mode: 0o600 });
      runEditor(editor, file);
      text = (await readFile(file, "utf8")).replace(/^(#.*\n)+/, "");
      let after: Patch;
      try {
        after = (parse(text) ?? {}) as Patch;
        if (typeof after !== "object" || Array.isArray(after)) throw new Error("not a mapping of fields");
      } catch (error) {
        problem = `invalid YAML: ${(error as Error).message.split("\n")[0]}`;
        if (interactive) continue;
        throw new CliError(problem);
      }
      const patch = diffEditable(before, after);
      if (Object.keys(patch).length === 0) {
        out.result({ id, changed: [] }, () => out.line("no changes"));
        return;
      }
      try {
        const answer = await unwrap(apply(patch));
        out.result(answer, () =>
          out.line(`updated ${out.colors.bold(answer.id)}: ${Object.keys(patch).join(", ")}`),
        );
        return;
      } catch (error) {
        if (!(error instanceof CliError) || !interactive) throw error;
        problem = error.message;
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the editor on the file and waits for it; `EDITOR="code --wait"` style commands with arguments work. */
function runEditor(editor: string, file: string): void {
  const result = spawnSync(`${editor} "$VIBEN_EDIT_FILE"`, {
    shell: true,
    stdio: "inherit",
    env: { ...process.env, VIBEN_EDIT_FILE: file },
  });
  if (result.error) throw new CliError(`could not run the editor '${editor}': ${result.error.message}`);
  if (result.status !== 0)
    throw new CliError(`the editor '${editor}' exited with ${result.status}; nothing changed`);
}
