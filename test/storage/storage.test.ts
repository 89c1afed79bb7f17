import { promises as fsPromises } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fsBackends, sweepTempFiles } from "../../storage/drivers/fs-atomic.js";
import { idFromName, idProblem } from "../../storage/ids.js";
import { KeyedMutex } from "../../storage/lock.js";
import { Scopes } from "../../storage/scopes.js";
import { applyPatch, parseYamlDocument, stringifyYaml } from "../../storage/yaml.js";

describe("ids", () => {
  it("accepts Unicode and refuses anything that could leave the storage root", () => {
    for (const ok of ["my-agent", "本地助手", "agent.v2", "Émile", "a b"])
      expect(idProblem(ok)).toBeUndefined();
    for (const bad of [
      "",
      "..",
      "../x",
      "a/b",
      "a\\b",
      "/etc/passwd",
      "a:b",
      "a\u0000b",
      "a\nb",
      ".hidden",
      "x?y",
      " pad",
    ]) {
      expect(idProblem(bad)).toBeTypeOf("string");
    }
    expect(idProblem("x".repeat(129))).toMatch(/128/);
  });

  it("derives ids from names", () => {
    expect(idFromName("My Agent")).toBe("my-agent");
    expect(idFromName("本地助手")).toBe("本地助手");
    expect(idFromName("  a/b: c?  ")).toBe("a-b-c");
    expect(idFromName("../..")).toBe("");
  });
});

describe("YAML documents", () => {
  it("patches without losing comments or unknown keys", () => {
    const doc = parseYamlDocument("# top\nname: A # inline\nkeep: [1, 2]\nmodel: m\n", "k");
    applyPatch(doc, { name: "B", model: null, temperature: 0.5, untouched: undefined });
    const text = stringifyYaml(doc);
    expect(text).toContain("# top");
    expect(text).toContain("keep: [ 1, 2 ]");
    expect(text).toContain("name: B");
    expect(text).not.toContain("model");
    expect(text).toContain("temperature: 0.5");
  });

  it("reports broken YAML as a corrupt document naming the key", () => {
    expect(() => parseYamlDocument("a: [", "agents:x:config.yaml")).toThrow(/agents:x:config.yaml/);
  });
});

describe("KeyedMutex", () => {
  it("runs work for one key strictly in order, other keys in parallel", async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = mutex.run("a", async () => {
      await gate;
      order.push("a1");
    });
    const second = mutex.run("a", async () => {
      order.push("a2");
    });
    await mutex.run("b", async () => {
      order.push("b");
    });
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["b", "a1", "a2"]);
    // A failure does not block the next caller.
    await expect(mutex.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await mutex.run("a", async () => "next")).toBe("next");
  });
});

describe("atomic filesystem storage", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes through a temp file and rename, leaving no temp files, and removes emptied directories", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-store-"));
    const scopes = new Scopes({ home: dir, globalRoot: join(dir, ".viben"), backend: fsBackends() });
    const store = scopes.global().store;
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => store.write("agents:a:config.yaml", { name: `v${i}` })),
    );
    expect(await readdir(join(dir, ".viben/agents/a"))).toEqual(["config.yaml"]);
    expect(await readFile(join(dir, ".viben/agents/a/config.yaml"), "utf8")).toMatch(/^name: v\d+\n$/);
    expect(await store.keys("agents")).toEqual(["a:config.yaml"]);
    await store.remove(["agents:a:config.yaml"]);
    expect(await readdir(join(dir, ".viben"))).toEqual([]);
    await scopes.dispose();
  });

  it("sweeps the temp files of interrupted writes, sparing those of live processes and writes under way", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-store-"));
    const root = join(dir, ".viben");
    const temps = {
      oldFormat: "agents/a/.config.yaml.0123456789ab.tmp",
      deadPid: "providers/.p.yaml.99999999-0123456789ab.tmp",
      ownPid: `.gateway.yaml.${process.pid}-0123456789ab.tmp`,
      livePid: "agents/b/.config.yaml.1-0123456789ab.tmp",
      notOurs: "agents/c/notes.tmp",
    };
    for (const path of Object.values(temps)) {
      await mkdir(join(root, path, ".."), { recursive: true });
      await writeFile(join(root, path), "partial");
    }
    expect(await sweepTempFiles(root)).toBe(3);
    const left = (await readdir(root, { recursive: true })).filter((p) => p.endsWith(".tmp")).sort();
    expect(left).toEqual([temps.livePid, temps.notOurs].sort());
    expect(await sweepTempFiles(join(dir, "missing"))).toBe(0);

    // Writes racing a sweep keep their temp files until they rename them.
    const scopes = new Scopes({ home: dir, globalRoot: root, backend: fsBackends() });
    const store = scopes.global().store;
    const writes = Array.from({ length: 20 }, (_, i) =>
      store.write(`agents:w${i}:config.yaml`, { name: "w" }),
    );
    const sweeps = Array.from({ length: 5 }, () => sweepTempFiles(root));
    await Promise.all([...writes, ...sweeps]);
    for (let i = 0; i < 20; i++) expect(await store.read(`agents:w${i}:config.yaml`)).not.toBeNull();
    await scopes.dispose();
  });

  it("sweeps a workspace root before its first write", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-store-"));
    const workspace = join(dir, "project");
    const leftover = join(workspace, ".viben/agents/x/.config.yaml.99999999-0123456789ab.tmp");
    await mkdir(join(leftover, ".."), { recursive: true });
    await writeFile(leftover, "partial");
    const scopes = new Scopes({ home: dir, globalRoot: join(dir, ".viben"), backend: fsBackends() });
    const store = scopes.workspace(workspace).store;
    // Reads change nothing on disk.
    expect(await store.keys("agents")).toEqual([]);
    expect(await readdir(join(workspace, ".viben/agents/x"))).toHaveLength(1);
    await store.write("agents:x:config.yaml", { name: "X" });
    expect(await readdir(join(workspace, ".viben/agents/x"))).toEqual(["config.yaml"]);
    await scopes.dispose();
  });

  it("lists a folder by walking that folder alone, skipping temp files, logs and tool folders", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-store-"));
    const root = join(dir, ".viben");
    for (const path of [
      "agents/a/config.yaml",
      "agents/a/notes/n.md",
      "agents/a/.config.yaml.1-0123456789ab.tmp",
      "agents/a/log.jsonl",
      "agents/node_modules/x/config.yaml",
      "agents/.git/config.yaml",
      "cron/jobs/j.yaml",
    ]) {
      await mkdir(join(root, path, ".."), { recursive: true });
      await writeFile(join(root, path), "x: 1\n");
    }
    const scopes = new Scopes({ home: dir, globalRoot: root, backend: fsBackends() });
    const store = scopes.global().store;
    const readdirSpy = vi.spyOn(fsPromises, "readdir");
    try {
      expect(await store.keys("agents")).toEqual(["a:config.yaml", "a:notes:n.md"]);
      const walked = readdirSpy.mock.calls.map(([path]) => String(path));
      expect(walked.length).toBeGreaterThan(0);
      for (const path of walked) expect(path.startsWith(join(root, "agents"))).toBe(true);
    } finally {
      readdirSpy.mockRestore();
    }
    expect(await store.keys("agents:a")).toEqual(["config.yaml", "notes:n.md"]);
    expect(await store.keys("missing")).toEqual([]);
    const backend = fsBackends()(root, "global");
    expect(await backend.storage.getKeys("agents", { maxDepth: 1 })).toEqual(["agents:a:config.yaml"]);
    expect((await backend.storage.getKeys("")).sort()).toEqual([
      "agents:a:config.yaml",
      "agents:a:notes:n.md",
      "cron:jobs:j.yaml",
    ]);
    await backend.dispose();
    await scopes.dispose();
  });

  it("refuses keys that would leave the root", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-store-"));
    const scopes = new Scopes({ home: dir, globalRoot: join(dir, ".viben"), backend: fsBackends() });
    await expect(scopes.global().store.writeRaw("..:..:escape.yaml", "x")).rejects.toThrow();
    expect(await readdir(dir)).not.toContain("escape.yaml");
    await scopes.dispose();
  });
});

describe("document store generations", () => {
  it("move per top-level folder, so writes elsewhere keep parsed records of a folder valid", async () => {
    const { memoryBackends } = await import("../../storage/drivers/memory.js");
    const scopes = new Scopes({ home: "/h", globalRoot: "/h/.viben", backend: memoryBackends() });
    const store = scopes.global().store;
    await store.keys("agents");
    const agents = store.generationOf("agents");
    await store.write("sessions:s1:session.yaml", { id: "s1" });
    expect(store.generationOf("agents")).toBe(agents);
    expect(store.generationOf("sessions")).toBeGreaterThan(0);
    await store.write("agents:a:config.yaml", { name: "A" });
    expect(store.generationOf("agents")).toBe(agents + 1);
    // A listing of the folder is refreshed, one of another folder kept.
    expect(await store.keys("agents")).toEqual(["a:config.yaml"]);
  });
});

describe("document store records", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes records as JSON any YAML reader reads, and reads and updates a record written by hand", async () => {
    dir = await mkdtemp(join(tmpdir(), "viben-records-"));
    const scopes = new Scopes({ home: dir, globalRoot: join(dir, ".viben"), backend: fsBackends() });
    const store = scopes.global().store;
    const value = { id: "r1", status: "running", note: "yes: no # not a comment", tokens: { input: 1 } };
    expect((await store.writeRecord("runs:records:r1.yaml", value)).data).toEqual(value);
    const text = await readFile(join(dir, ".viben/runs/records/r1.yaml"), "utf8");
    expect(JSON.parse(text)).toEqual(value);
    expect(parseYamlDocument(text, "r1").toJS()).toEqual(value);
    expect(await store.createRecordIfAbsent("runs:records:r1.yaml", { id: "other" })).toBeNull();

    // Updates see the current record and may decline to write.
    const updated = await store.updateRecord("runs:records:r1.yaml", (current) => ({
      ...current,
      status: "completed",
    }));
    expect(updated?.data).toEqual({ ...value, status: "completed" });
    expect(await store.updateRecord("runs:records:r1.yaml", () => null)).toBeNull();
    expect((await store.read("runs:records:r1.yaml"))?.data.status).toBe("completed");

    // A record in YAML (an older version's, or edited by hand) reads as before and is updated as JSON.
    await mkdir(join(dir, ".viben/sessions/s1"), { recursive: true });
    await writeFile(join(dir, ".viben/sessions/s1/session.yaml"), "# by hand\nid: s1\ntitle: Mine\n");
    expect((await store.read("sessions:s1:session.yaml"))?.data).toEqual({ id: "s1", title: "Mine" });
    await store.updateRecord("sessions:s1:session.yaml", (current) => ({ ...current, status: "idle" }));
    expect(JSON.parse(await readFile(join(dir, ".viben/sessions/s1/session.yaml"), "utf8"))).toEqual({
      id: "s1",
      title: "Mine",
      status: "idle",
    });
    // A flow mapping that is YAML but not JSON is read by the YAML parser.
    await mkdir(join(dir, ".viben/sessions/s2"), { recursive: true });
    await writeFile(join(dir, ".viben/sessions/s2/session.yaml"), "{id: s2, title: Flow}\n");
    expect((await store.updateRecord("sessions:s2:session.yaml", (current) => current))?.data).toEqual({
      id: "s2",
      title: "Flow",
    });
    await scopes.dispose();
  });
});

describe("document store cache", () => {
  it("never caches what a read fetched while a write to the same key was landing", async () => {
    const { createStorage } = await import("unstorage");
    const { DocumentStore } = await import("../../storage/documents.js");
    const storage = createStorage();
    // While armed, a read of the key is held on "disk" (after fetching) until the test lets it go.
    let armed = false;
    let reached!: () => void;
    const fetched = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const getItemRaw = storage.getItemRaw.bind(storage);
    storage.getItemRaw = (async (key: string) => {
      const value = await getItemRaw(key);
      if (armed) {
        armed = false;
        reached();
        await held;
      }
      return value;
    }) as typeof storage.getItemRaw;
    const store = new DocumentStore({ storage, watch: async () => true, dispose: async () => {} }, "/r");
    await store.write("outbox:d.yaml", { status: "sending" });
    armed = true;
    const slowRead = store.read("outbox:d.yaml");
    await fetched;
    // The read has fetched "sending" and waits; the write of "delivered" lands meanwhile.
    await store.write("outbox:d.yaml", { status: "delivered" });
    release();
    expect((await slowRead)?.data.status).toBe("sending");
    expect((await store.read("outbox:d.yaml"))?.data.status).toBe("delivered");
  });
});
