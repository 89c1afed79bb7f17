import { describe, expect, it } from "vitest";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { GatewayConfigSource } from "../../storage/gateway-config.js";
import { Scopes } from "../../storage/scopes.js";

describe("GatewayConfigSource", () => {
  it("compiles a missing gateway.yaml once, and a written one as soon as it is there", async () => {
    const scopes = new Scopes({ home: "/h", globalRoot: "/h/.viben", backend: memoryBackends() });
    const source = new GatewayConfigSource(scopes.global(), {});
    const first = await source.get();
    // Every run reads the configuration: without a file, the defaults are not compiled again each time.
    expect(await source.get()).toBe(first);
    await scopes.global().store.write("gateway.yaml", { runs: { timeout_seconds: 42 } });
    const written = await source.get();
    expect(written).not.toBe(first);
    expect(written.runTimeoutMs).toBe(42_000);
    expect(await source.get()).toBe(written);
  });
});
