import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { GatewayEvent } from "../../../handlers/capabilities/events.js";
import type { ExecutorCatalog } from "../../../handlers/capabilities/executors.js";
import { createEventBus } from "../../../runtime/event-bus.js";
import { RunManager } from "../../../runtime/runs/run-manager.js";
import type { AgentRecord } from "../../../storage/agents.js";
import {
  type SessionMessageInput,
  type SessionRecord,
  SessionRepository,
} from "../../../storage/sessions.js";
import { createTestApp, fakeExecutors, silentLogger } from "../../helpers/app.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../../fixtures/fake-claude.mjs");

/**
 * A session store whose new sessions cannot be written (a full disk, say). The write fails only once the
 * run's process is up (found by `mark` in /proc), so the test sees a started process being stopped.
 */
class UnwritableNewSessions extends SessionRepository {
  mark = "";

  override async beginRun(
    sid: string,
    runId: string,
    inputs: readonly SessionMessageInput[],
    created?: SessionRecord,
  ): Promise<SessionRecord> {
    if (!created) return super.beginRun(sid, runId, inputs, created);
    for (let i = 0; i < 6000 && processesMarked(this.mark).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    throw new Error(`ENOSPC: no space left on device (process up: ${processesMarked(this.mark).length})`);
  }
}

/** Pids of live processes whose environment carries `mark`. */
function processesMarked(mark: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "latin1").includes(mark);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A new session of a CLI run is stored with the run's start while its process starts (issue 12). */
describe("a run's new session", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A run manager over the test app's sessions (or unwritable ones); the fixture waits for `release`. */
  function setup(release: string, unwritable = false) {
    const executors: ExecutorCatalog = {
      list: (ws) => fakeExecutors().list(ws),
      get: async (id, ws) => ({ ...(await fakeExecutors().get(id, ws)), command: FAKE_CLAUDE }),
    };
    const events = createEventBus();
    const mark = `VIBEN_TEST_MARK=${crypto.randomUUID()}`;
    let n = 0;
    let runs!: RunManager;
    const app = createTestApp({
      extend: ({ scopes, sessions, log }) => {
        const store = unwritable
          ? Object.assign(
              new UnwritableNewSessions({
                scope: scopes.global(),
                log,
                history: { add: async () => ({}) } as never,
              }),
              { mark },
            )
          : sessions;
        runs = new RunManager({
          sessions: store,
          events,
          executors,
          globalScope: scopes.global(),
          env: {
            PATH: process.env.PATH,
            FAKE_CLAUDE_RELEASE: release,
            [mark.split("=")[0]!]: mark.split("=")[1],
          },
          logger: silentLogger,
          newId: () => `id-${++n}`,
          now: () => new Date(),
        });
        return { runs };
      },
    });
    const agent: AgentRecord = {
      id: "CLAUDE_CODE",
      scope: app.scopes.global(),
      configPath: "",
      config: { name: "CLAUDE_CODE", executor_type: "CLAUDE_CODE" },
    };
    return { ...app, runs, events, agent, mark };
  }

  it("is readable with the user's message once the run is announced, and run_started is its first event", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-new-session-"));
    const release = join(dir, "release");
    const { runs, events, sessions, agent, mark } = setup(release);
    const subscription = events.subscribe({});
    try {
      const handle = await runs.start({
        agent,
        prompt: "wait for release, then answer",
        workdir: dir,
        source: "test",
      });
      // The process is waiting for the test: what is stored now is the run's start.
      const session = await sessions.get(handle.sessionId);
      expect(session).toMatchObject({ status: "running", agent_id: "CLAUDE_CODE", message_count: 1 });
      expect(session.last_run).toMatchObject({ run_id: handle.runId, status: "running" });
      expect(session.title).toBe("wait for release, then answer");
      const page = await sessions.listMessages(handle.sessionId, { limit: 10 });
      expect(page.messages.map((m) => [m.seq, m.role, m.content])).toEqual([
        [1, "user", "wait for release, then answer"],
      ]);
      expect(processesMarked(mark)).toHaveLength(1);

      writeFileSync(release, "");
      const outcome = await handle.done;
      expect(outcome.status).toBe("completed");
      const seen: GatewayEvent[] = [];
      while (subscription.pending > 0) seen.push((await subscription.next())!);
      const ofRun = seen.filter((event) => event.run_id === handle.runId).map((event) => event.type);
      expect(ofRun[0]).toBe("run_started");
      expect(ofRun).toContain("delta");
      expect(ofRun.at(-1)).toBe("run_complete");
      expect(await sessions.get(handle.sessionId)).toMatchObject({ status: "idle", message_count: 2 });
    } finally {
      subscription.close();
    }
  });

  it("stops the process and refuses the start when the session cannot be stored", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-new-session-"));
    const { runs, agent, mark } = setup(join(dir, "never"), true);
    await expect(
      runs.start({ agent, prompt: "wait for release forever", workdir: dir, source: "test" }),
    ).rejects.toThrow("ENOSPC: no space left on device (process up: 1)");
    expect(runs.runningCount).toBe(0);
    expect(processesMarked(mark)).toEqual([]);
  });
});
