import { describe, expect, it } from "vitest";
import { EXECUTOR_DESCRIPTORS, findExecutorDescriptor } from "../../../runtime/executors/index.js";
import { EXECUTOR_IDS } from "../../../storage/executor-types.js";

describe("EXECUTOR_DESCRIPTORS", () => {
  it("describes every executor id once", () => {
    expect(EXECUTOR_DESCRIPTORS.map((descriptor) => descriptor.id)).toEqual([...EXECUTOR_IDS]);
  });

  it("keeps every path relative, so HOME and the workspace anchor them", () => {
    for (const descriptor of EXECUTOR_DESCRIPTORS) {
      const paths = [
        descriptor.globalConfigDir,
        ...descriptor.workspaceConfigEntries,
        ...descriptor.credentialFiles.map((location) => location.path),
        ...descriptor.skillDirs.map((location) => location.path),
        ...descriptor.mcpSources.map((location) => location.path),
      ];
      for (const path of paths) expect(path, descriptor.id).toMatch(/^[^/~]/);
      expect(descriptor.binaries.length, descriptor.id).toBeGreaterThan(0);
    }
  });

  it("counts servers from any parsed shape without throwing", () => {
    const shapes: unknown[] = [undefined, null, 3, "x", [], {}, { mcpServers: [1] }, { projects: null }];
    for (const descriptor of EXECUTOR_DESCRIPTORS) {
      for (const source of descriptor.mcpSources) {
        for (const shape of shapes) expect(source.countServers(shape, { workspacePath: "/ws" })).toBe(0);
      }
    }
  });

  it("finds a descriptor by id", () => {
    expect(findExecutorDescriptor("OPENCODE")?.name).toBe("OpenCode");
  });
});
