import { describe, expect, it } from "vitest";
import type { RunRequest } from "../../../handlers/capabilities/runs.js";
import { GatewayRunRegistry } from "../../../runtime/runs/run-registry.js";
import type { AgentRecord } from "../../../storage/agents.js";
import { memoryBackends } from "../../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../../storage/drivers/memory-append-log.js";
import { RunRecordRepository } from "../../../storage/run-records.js";
import { Scopes } from "../../../storage/scopes.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

// Every run, whatever started it, leaves one log line at its start and one at its end.
describe("the run registry's log lines", () => {
  it("names agent, session, source, exit code and duration; failures are warnings", async () => {
    const scopes = new Scopes({ home: "/home/u", globalRoot: "/home/u/.viben", backend: memoryBackends() });
    const lines: Array<{ level: string; fields: Record<string, unknown> }> = [];
    const logger = {
      info: (fields: Record<string, unknown>) => lines.push({ level: "info", fields }),
      warn: (fields: Record<string, unknown>) => lines.push({ level: "warn", fields }),
      error: (fields: Record<string, unknown>) => lines.push({ level: "error", fields }),
    };
    let now = Date.parse("2026-01-01T00:00:00Z");
    const registry = new GatewayRunRegistry({
      records: new RunRecordRepository(scopes.global(), new MemoryAppendLog()),
      now: () => new Date(now),
      logger,
      stop: async () => true,
      queue: () => new FakeRunQueue(),
    });
    const request = {
      agent: { id: "coder" } as AgentRecord,
      prompt: "p",
      workdir: "/home/u",
      source: "cron",
    } as RunRequest;
    registry.started({
      runId: "r1",
      sessionId: "s1",
      pid: 7,
      executor: "CLAUDE_CODE",
      workdir: "/home/u",
      request,
    });
    now += 1500;
    registry.finished({
      runId: "r1",
      sessionId: "s1",
      status: "failed",
      response: "",
      toolsUsed: [],
      tokens: { input: 0, output: 0 },
      costCents: 0,
      exitCode: 2,
      error: "boom",
    });
    await registry.flush();
    expect(lines).toEqual([
      {
        level: "info",
        fields: {
          msg: "run started",
          run_id: "r1",
          agent: "coder",
          session: "s1",
          executor: "CLAUDE_CODE",
          source: "cron",
          pid: 7,
        },
      },
      {
        level: "warn",
        fields: {
          msg: "run failed",
          run_id: "r1",
          agent: "coder",
          session: "s1",
          source: "cron",
          exit_code: 2,
          duration_ms: 1500,
          error: "boom",
        },
      },
    ]);
  });
});
