import { describe, expect, it, vi } from "vitest";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { Scopes } from "../../storage/scopes.js";

describe("Scopes", () => {
  it("keeps the most recently used workspaces open and disposes the one it closes", async () => {
    const scopes = new Scopes({
      home: "/h",
      globalRoot: "/h/.viben",
      backend: memoryBackends(),
      maxOpenWorkspaces: 2,
    });
    const a = scopes.workspace("/w/a");
    const b = scopes.workspace("/w/b");
    const disposeA = vi.spyOn(a.store, "dispose");
    const disposeB = vi.spyOn(b.store, "dispose");
    expect(scopes.workspace("/w/a")).toBe(a); // a is now the most recently used
    scopes.workspace("/w/c");
    expect(disposeB).toHaveBeenCalledOnce();
    expect(disposeA).not.toHaveBeenCalled();
    expect(scopes.workspace("/w/a")).toBe(a);
    expect(scopes.workspace("/w/b")).not.toBe(b); // reopened
    expect(scopes.workspace("/h")).toBe(scopes.global());
    await scopes.dispose();
    expect(disposeA).toHaveBeenCalledOnce();
  });
});
