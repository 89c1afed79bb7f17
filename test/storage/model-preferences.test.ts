import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsBackends } from "../../storage/drivers/fs-atomic.js";
import { ModelPreferencesRepository } from "../../storage/model-preferences.js";
import { Scopes } from "../../storage/scopes.js";

/** Defaults and model switches share the hand-edited global config.yaml with the default agent. */
describe("ModelPreferencesRepository", () => {
  let home: string;
  let scopes: Scopes;
  const repo = new ModelPreferencesRepository();
  const file = () => join(home, ".viben/config.yaml");

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-prefs-"));
    scopes = new Scopes({ home, globalRoot: join(home, ".viben"), backend: fsBackends() });
  });
  afterEach(async () => {
    await scopes.dispose();
    await rm(home, { recursive: true, force: true });
  });

  it("reads nothing set from a missing file", async () => {
    const prefs = await repo.read(scopes.global());
    expect(prefs).toEqual({ defaultProvider: null, defaultModel: null, disabled: new Map() });
  });

  it("writes defaults and switches beside what a person wrote, comments included", async () => {
    const global = scopes.global();
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(file(), "# mine\ndefault_agent: helper\nnote: keep me\n");
    await repo.setDefaultProvider(global, "box");
    await repo.setDefaultModel(global, { id: "llama3.1:8b", provider_id: "box" });
    await repo.switchModels(
      global,
      "box",
      new Map([
        ["a", false],
        ["b", false],
      ]),
    );
    await repo.switchModels(global, "box", new Map([["a", true]]));
    await repo.switchModels(global, "other/org", new Map([["x/y", false]]));

    const text = await readFile(file(), "utf8");
    expect(text).toContain("# mine");
    expect(text).toContain("default_agent: helper");
    expect(text).toContain("note: keep me");
    const prefs = await repo.read(global);
    expect(prefs.defaultProvider).toBe("box");
    expect(prefs.defaultModel).toEqual({ id: "llama3.1:8b", provider_id: "box" });
    expect(prefs.disabled).toEqual(
      new Map([
        ["box", new Set(["b"])],
        ["other/org", new Set(["x/y"])],
      ]),
    );

    // Switching the last one back on leaves no empty entry behind; clearing a default drops its keys.
    await repo.switchModels(global, "box", new Map([["b", true]]));
    await repo.switchModels(global, "other/org", new Map([["x/y", true]]));
    await repo.setDefaultModel(global, null);
    const after = await readFile(file(), "utf8");
    expect(after).not.toContain("disabled_models");
    expect(after).not.toContain("default_model");
  });

  it("reads hand-written values leniently: stray types are ignored, not fatal", async () => {
    await mkdir(join(home, ".viben"), { recursive: true });
    await writeFile(
      file(),
      "default_provider: 42\ndefault_model: gpt-5\ndisabled_models:\n  box: [a, 3, '']\n  bad: not-a-list\n",
    );
    const prefs = await repo.read(scopes.global());
    expect(prefs).toEqual({
      defaultProvider: null,
      defaultModel: { id: "gpt-5" },
      disabled: new Map([["box", new Set(["a"])]]),
    });
  });
});
