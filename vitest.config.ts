import { defineConfig } from "vitest/config";

// Three tiers: `npm run test:unit` is the inner loop (in-process: handlers with the memory driver,
// storage, runtime pieces, stub servers); blackbox starts real gateways; slow drives real executor CLIs
// and workerd. `npm test` runs all three.
// Every timeout here detects a hang; none is a speed target. The suite must pass on a loaded 2-core
// machine, where starting one gateway process alone can take 10 s and a poll can wait seconds.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    expect: { poll: { timeout: 10_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // In-process tests share one module graph per worker: importing the app once per worker instead
          // of once per file is most of the tier's time. Each test builds its own app, so nothing leaks.
          isolate: false,
          pool: "threads",
          include: [
            "test/handlers/**/*.test.ts",
            "test/storage/**/*.test.ts",
            "test/runtime/**/*.test.ts",
            "test/fixtures/**/*.test.ts",
            "test/client/**/*.test.ts",
          ],
          // Spawns MCP servers through tsx: seconds each, so it waits for the slow tier.
          exclude: ["test/runtime/native/mcp-tools.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "blackbox",
          include: [
            "test/blackbox/**/*.test.ts",
            "test/shared/**/*.node.test.ts",
            "test/compat/**/*.test.ts",
          ],
        },
      },
      {
        extends: true,
        test: {
          name: "slow",
          include: [
            "test/e2e/**/*.test.ts",
            "test/worker/**/*.test.ts",
            "test/shared/**/*.workerd.test.ts",
            "test/runtime/native/mcp-tools.test.ts",
          ],
        },
      },
      {
        extends: true,
        // Real Chromium (Debian's, /usr/bin/chromium) driven by Playwright against real gateways.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["test/browser/global-setup.ts"],
        },
      },
    ],
  },
});
