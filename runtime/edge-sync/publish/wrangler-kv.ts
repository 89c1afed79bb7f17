import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { KvEntry } from "./collect.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
/** Pairs per `bulk put` call (Cloudflare takes 10,000 per request; smaller files keep memory low). */
const BATCH_PAIRS = 5_000;
const BATCH_BYTES = 50 * 1024 * 1024;
const RETRIES = 3;

/** Where to write: wrangler's local simulation (as `wrangler dev --persist-to` reads it) or Cloudflare. */
export type KvTarget = { mode: "local"; persistTo?: string } | { mode: "remote" };

/**
 * The VIBEN_KV namespace through wrangler's own KV commands, so a local write lands exactly where
 * `wrangler dev` reads (same persistence layout, same namespace id from wrangler.toml) and a remote one
 * uses the account wrangler is logged in to.
 */
export class WranglerKv {
  constructor(
    private readonly target: KvTarget,
    private readonly options: { binding?: string; env?: NodeJS.ProcessEnv } = {},
  ) {}

  async list(prefix: string): Promise<string[]> {
    const out = await this.run(["kv", "key", "list", "--prefix", prefix]);
    return (JSON.parse(out) as { name: string }[]).map((k) => k.name);
  }

  async put(entries: readonly KvEntry[]): Promise<void> {
    for (const batch of batches(entries)) await this.withFile(batch, (file) => ["kv", "bulk", "put", file]);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH_PAIRS) {
      const batch = keys.slice(i, i + BATCH_PAIRS);
      await this.withFile(batch, (file) => ["kv", "bulk", "delete", file, "--force"]);
    }
  }

  private async withFile(content: unknown, args: (file: string) => string[]): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), "viben-kv-"));
    try {
      const file = join(dir, "batch.json");
      await writeFile(file, JSON.stringify(content), { mode: 0o600 });
      await this.run(args(file));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Runs a wrangler KV command; every one here is idempotent, so a failure is retried twice. */
  private async run(args: string[]): Promise<string> {
    const where =
      this.target.mode === "remote"
        ? ["--remote"]
        : ["--local", ...(this.target.persistTo ? ["--persist-to", resolve(this.target.persistTo)] : [])];
    const command = [...args, "--binding", this.options.binding ?? "VIBEN_KV", ...where];
    const env = {
      ...(this.options.env ?? process.env),
      // No telemetry, and no cf.json download for a local write.
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await runInOwnGroup(WRANGLER, command, { cwd: ROOT, env });
      } catch (error) {
        // A local store busy with `wrangler dev` beside it, or a remote hiccup: wait and try again.
        if (attempt >= RETRIES) throw error;
        await new Promise((done) => setTimeout(done, 500 * attempt));
      }
    }
  }
}

/**
 * Runs a command in its own process group and, once it exits, kills whatever is left of the group: a
 * local `wrangler kv` starts workerd, which a failed command can leave behind.
 */
function runInOwnGroup(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<string>((done, fail) => {
    const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once("error", fail);
    // On exit the group goes (leftovers could hold the pipes open); on close the output is complete.
    child.once("exit", () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    });
    child.once("close", (code) => {
      if (code === 0) done(Buffer.concat(stdout).toString("utf8"));
      else fail(new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (${code}):\n${stderr.trim()}`));
    });
  });
}

function* batches(entries: readonly KvEntry[]): Generator<KvEntry[]> {
  let batch: KvEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.key.length + Buffer.byteLength(entry.value);
    if (batch.length > 0 && (batch.length >= BATCH_PAIRS || bytes + size > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
