import { describe, expect, it } from "vitest";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { StorageError } from "../../storage/errors.js";
import { HistoryRepository } from "../../storage/history.js";
import { Scopes } from "../../storage/scopes.js";
import { ensureSessionKey, findSessionKey } from "../../storage/session-keys.js";
import { SessionRepository } from "../../storage/sessions.js";

function deps() {
  const scopes = new Scopes({ home: "/home/u", globalRoot: "/home/u/.viben", backend: memoryBackends() });
  const log = new MemoryAppendLog();
  const history = new HistoryRepository({ log });
  const sessions = new SessionRepository({ scope: scopes.global(), log, history });
  let n = 0;
  return { scope: scopes.global(), sessions, newId: () => `s-${++n}` };
}

describe("resolveSessionKey", () => {
  it("gives a new key a session id on first use and the same one afterwards", async () => {
    const d = deps();
    expect(await findSessionKey(d, "telegram:42")).toBeNull();
    const first = await ensureSessionKey(d, "telegram:42");
    expect(first).toBe("s-1");
    expect(await ensureSessionKey(d, "telegram:42")).toBe("s-1");
    expect(await findSessionKey(d, "telegram:42")).toBe("s-1");
    expect(await ensureSessionKey(d, "alice")).toBe("s-2");
  });

  it("takes a key equal to an existing session id as that session", async () => {
    const d = deps();
    await d.sessions.create({
      id: "existing",
      agent_id: "a",
      agent_source: "global",
      workspace_path: "/home/u",
      workdir: "/home/u",
    });
    expect(await ensureSessionKey(d, "existing")).toBe("existing");
  });

  it("agrees on one session when two first uses race", async () => {
    const d = deps();
    const [a, b] = await Promise.all([ensureSessionKey(d, "k"), ensureSessionKey(d, "k")]);
    expect(a).toBe(b);
  });

  it("refuses empty, overlong and control-character keys, naming the field", async () => {
    const d = deps();
    for (const key of ["", "x".repeat(513), "a\nb"]) {
      const error = await ensureSessionKey(d, key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toMatch(/sessionKey/);
    }
  });
});
