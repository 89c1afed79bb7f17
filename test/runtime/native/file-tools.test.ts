// The built-in file tools: confined to the workdir (`..`, absolute paths, symlinks pointing out), and
// what they do inside it. One test goes through a model, to see a refusal come back as a tool error.
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listDirTool } from "../../../runtime/native/tools/list-dir.js";
import type { NativeTool, ToolContext } from "../../../runtime/native/tools/native-tool.js";
import { readFileTool } from "../../../runtime/native/tools/read-file.js";
import { writeFileTool } from "../../../runtime/native/tools/write-file.js";
import { type OpenAIChatStub, scriptedChat, startOpenAIChatStub } from "../../fixtures/openai-chat-stub.js";
import { makeWorkdir, nativeAgent, outputsOf, startNativeRun } from "./native-harness.js";

let workdir: { dir: string; cleanup: () => Promise<void> };
let outside: string;
let stub: OpenAIChatStub | undefined;

beforeEach(async () => {
  workdir = await makeWorkdir();
  // The workdir's parent belongs to the test: a file beside the workdir stands for "anything outside".
  outside = join(dirname(workdir.dir), "outside.txt");
  await writeFile(outside, "secret");
});

afterEach(async () => {
  await stub?.close();
  stub = undefined;
  await workdir.cleanup();
});

function run(tool: NativeTool, input: unknown) {
  const context: ToolContext = {
    workdir: workdir.dir,
    signal: new AbortController().signal,
    shellTimeoutMs: 5000,
    env: process.env,
  };
  return tool.execute(input, context);
}

describe("file tools refuse paths outside the workdir", () => {
  it.each([
    ["a relative path with ..", "../outside.txt"],
    ["a path that climbs out after going in", "sub/../../outside.txt"],
    ["an absolute path outside", "/etc/passwd"],
  ])("%s", async (_name, path) => {
    for (const [tool, input] of [
      [readFileTool, { path }],
      [writeFileTool, { path, content: "x" }],
      [listDirTool, { path }],
    ] as const) {
      const outcome = await run(tool, input);
      expect(outcome.isError).toBe(true);
      expect(outcome.text).toContain("outside the working directory");
    }
    expect(await readFile(outside, "utf8")).toBe("secret");
  });

  it("refuses a symlink to a file outside, for reading and writing", async () => {
    await symlink(outside, join(workdir.dir, "link.txt"));
    const read = await run(readFileTool, { path: "link.txt" });
    expect(read).toMatchObject({
      isError: true,
      text: expect.stringContaining("outside the working directory"),
    });
    const write = await run(writeFileTool, { path: "link.txt", content: "overwritten" });
    expect(write.isError).toBe(true);
    expect(await readFile(outside, "utf8")).toBe("secret");
  });

  it("refuses paths through a symlinked directory pointing outside, even to files that do not exist yet", async () => {
    await symlink(dirname(workdir.dir), join(workdir.dir, "escape"));
    expect((await run(readFileTool, { path: "escape/outside.txt" })).isError).toBe(true);
    const write = await run(writeFileTool, { path: "escape/new/dir/file.txt", content: "x" });
    expect(write).toMatchObject({
      isError: true,
      text: expect.stringContaining("outside the working directory"),
    });
    await expect(stat(join(dirname(workdir.dir), "new"))).rejects.toThrow();
    expect((await run(listDirTool, { path: "escape" })).isError).toBe(true);
  });

  it("refuses a dangling symlink", async () => {
    await symlink(join(dirname(workdir.dir), "missing.txt"), join(workdir.dir, "dangling"));
    const write = await run(writeFileTool, { path: "dangling", content: "x" });
    expect(write.isError).toBe(true);
    await expect(stat(join(dirname(workdir.dir), "missing.txt"))).rejects.toThrow();
  });

  it("accepts absolute paths inside and symlinks that stay inside", async () => {
    await writeFile(join(workdir.dir, "real.txt"), "inside");
    await symlink(join(workdir.dir, "real.txt"), join(workdir.dir, "alias.txt"));
    expect(await run(readFileTool, { path: join(workdir.dir, "real.txt") })).toEqual({
      text: "inside",
      isError: false,
    });
    expect(await run(readFileTool, { path: "alias.txt" })).toEqual({ text: "inside", isError: false });
  });

  it("comes back to the model as a tool error, and the run goes on", async () => {
    stub = await startOpenAIChatStub(
      scriptedChat([
        { toolCalls: { id: "c1", name: "read_file", arguments: { path: "../outside.txt" } } },
        { text: "I may not." },
      ]),
    );
    const native = startNativeRun({
      provider: { id: "local", name: "Local", type: "openai-compatible", base_url: stub.baseURL },
      agent: nativeAgent({}),
      workdir: workdir.dir,
    });
    expect((await native.exit).code).toBe(0);
    expect(outputsOf(native.outputs, "tool_end")[0]).toMatchObject({
      isError: true,
      result: expect.stringContaining("'../outside.txt' is outside the working directory"),
    });
    expect(JSON.stringify(stub.requests[1]?.messages)).not.toContain("secret");
  });
});

describe("file tools inside the workdir", () => {
  it("writes atomically, creating parents, keeping the mode of a file it replaces", async () => {
    expect(await run(writeFileTool, { path: "a/b/c.txt", content: "one" })).toEqual({
      text: "wrote 3 bytes to a/b/c.txt",
      isError: false,
    });
    const script = join(workdir.dir, "run.sh");
    await writeFile(script, "#!/bin/sh\n", { mode: 0o755 });
    await run(writeFileTool, { path: "run.sh", content: "#!/bin/sh\necho hi\n" });
    expect((await stat(script)).mode & 0o777).toBe(0o755);
    expect(await readFile(join(workdir.dir, "a/b/c.txt"), "utf8")).toBe("one");
    // No temp files left behind.
    expect((await readdir(join(workdir.dir, "a/b"))).sort()).toEqual(["c.txt"]);
  });

  it("refuses to write over a directory", async () => {
    await mkdir(join(workdir.dir, "dir"));
    expect(await run(writeFileTool, { path: "dir", content: "x" })).toMatchObject({ isError: true });
  });

  it("reads text, says so for a missing file, a directory and a binary file", async () => {
    await writeFile(join(workdir.dir, "t.txt"), "héllo\n");
    await writeFile(join(workdir.dir, "b.bin"), Buffer.from([1, 0, 2, 3]));
    expect(await run(readFileTool, { path: "t.txt" })).toEqual({ text: "héllo\n", isError: false });
    expect(await run(readFileTool, { path: "nope.txt" })).toEqual({
      text: "no such file or directory: nope.txt",
      isError: true,
    });
    expect((await run(readFileTool, { path: "." })).text).toContain("is a directory");
    expect((await run(readFileTool, { path: "b.bin" })).text).toContain("binary file");
  });

  it("cuts a large file", async () => {
    await writeFile(join(workdir.dir, "big.txt"), "x".repeat(300 * 1024));
    const outcome = await run(readFileTool, { path: "big.txt" });
    expect(outcome.text).toMatch(/\[\.\.\. cut: showing the first 262144 of 307200 bytes\]$/);
  });

  it("lists a directory, marking directories and links", async () => {
    await mkdir(join(workdir.dir, "src"));
    await writeFile(join(workdir.dir, "README.md"), "");
    await symlink("README.md", join(workdir.dir, "link"));
    expect(await run(listDirTool, {})).toEqual({ text: "link@\nREADME.md\nsrc/", isError: false });
    expect(await run(listDirTool, { path: "src" })).toEqual({ text: "src is empty", isError: false });
  });

  it("rejects input that does not match the schema", async () => {
    expect(await run(readFileTool, { path: 3 })).toMatchObject({
      isError: true,
      text: expect.stringContaining("path"),
    });
  });
});
