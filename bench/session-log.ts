import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { FsAppendLog } from "../storage/drivers/fs-append-log.js";
import { fsBackends } from "../storage/drivers/fs-atomic.js";
import { HistoryRepository } from "../storage/history.js";
import { Scopes } from "../storage/scopes.js";
import { type SessionMessageInput, SessionRepository } from "../storage/sessions.js";

export interface SessionLogRow {
  label: string;
  median_ms: number;
  p99_ms: number;
}

const PAGE = 50;
const BATCH = 5000;

/**
 * Reading the newest page of a session must not depend on its length: the last 50 messages of a
 * 100,000-message session against a 1,000-message one (fs driver, temp dir). Target: ratio < 2.
 */
export async function benchSessionLog(reads = 200): Promise<{ rows: SessionLogRow[]; ratio: number }> {
  const home = await mkdtemp(join(tmpdir(), "viben-bench-log-"));
  const root = join(home, ".viben");
  const scopes = new Scopes({ home, globalRoot: root, backend: fsBackends() });
  const log = new FsAppendLog(root);
  const sessions = new SessionRepository({
    scope: scopes.global(),
    log,
    history: new HistoryRepository({ log }),
  });
  try {
    const sizes = [
      { label: "1k", count: 1_000 },
      { label: "100k", count: 100_000 },
    ];
    const targets: { label: string; read: () => Promise<unknown> }[] = [];
    for (const { label, count } of sizes) {
      const { id } = await sessions.create({
        agent_id: "bench",
        agent_source: "global",
        workspace_path: home,
        workdir: home,
      });
      for (let done = 0; done < count; done += BATCH) {
        const size = Math.min(BATCH, count - done);
        await sessions.appendMessages(
          id,
          Array.from({ length: size }, (_, i) => message(done + i)),
        );
      }
      const key = `sessions:${id}:messages.jsonl`;
      targets.push(
        {
          label: `sessions.listMessages last ${PAGE}, ${label} messages`,
          read: async () => {
            const page = await sessions.listMessages(id, { limit: PAGE });
            if (page.messages.length !== PAGE) throw new Error(`expected ${PAGE} messages`);
          },
        },
        {
          label: `log.readTail last ${PAGE}, ${label} lines`,
          read: () => log.readTail(key, { limit: PAGE }),
        },
      );
    }
    const rows = await measure(targets, reads);
    const ratio = rows[2]!.median_ms / rows[0]!.median_ms;
    return { rows, ratio: Math.round(ratio * 100) / 100 };
  } finally {
    await scopes.dispose();
    await rm(home, { recursive: true, force: true });
  }
}

/** A conversation-like mix: user, assistant with a tool call, tool result; a few hundred bytes each. */
function message(i: number): SessionMessageInput {
  const text = `message ${i}: ${"lorem ipsum dolor sit amet ".repeat(8)}`;
  switch (i % 3) {
    case 0:
      return { role: "user", content: text, run_id: `run-${Math.floor(i / 3)}` };
    case 1:
      return {
        role: "assistant",
        content: text,
        tool_calls: [{ id: `t${i}`, name: "bash", input: { command: "ls -la" } }],
        tokens: { input: 120, output: 40 },
      };
    default:
      return { role: "tool", content: text, tool_use_id: `t${i - 1}`, tool_name: "bash" };
  }
}

/** Reads the targets in turn (so background load hits them alike), after a warm-up. */
async function measure(
  targets: { label: string; read: () => Promise<unknown> }[],
  reads: number,
): Promise<SessionLogRow[]> {
  const times = targets.map(() => [] as number[]);
  for (let round = -20; round < reads; round++) {
    for (const [i, target] of targets.entries()) {
      const start = performance.now();
      await target.read();
      // Negative rounds warm up the JIT and the OS page cache.
      if (round >= 0) times[i]!.push(performance.now() - start);
    }
  }
  return targets.map((target, i) => {
    const sorted = times[i]!.sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000;
    return { label: target.label, median_ms: at(0.5), p99_ms: at(0.99) };
  });
}
