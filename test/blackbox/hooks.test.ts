import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type Json, openSse } from "../helpers/clients.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");
const HOOK_TOKEN = "hook-token-for-ci-0123456789";
const ADMIN_KEY = "admin-key-0123456789abcdef";
const PORT = 18790;
const run = promisify(execFile);

/**
 * The webhook examples of ryvos-gateway.txt, run as written (port 18790) against the real gateway with
 * the fake Claude CLI: the curl command, the GitHub Actions step, the monitoring body template and the
 * deploy script, each as the literal command line (curl via bash), plus idempotency across a restart.
 */
describe("webhook examples against the real gateway", () => {
  let home: string;
  let log: string;
  let gw: RunningGateway;
  let port = PORT;
  const startOn = (on: number) =>
    startGateway({
      port: on,
      env: {
        ...process.env,
        HOME: home,
        FAKE_CLAUDE_LOG: log,
        VIBEN_LOG_LEVEL: "silent",
        VIBEN_HOOK_TOKEN: HOOK_TOKEN,
        VIBEN_ADMIN_KEY: ADMIN_KEY,
      },
    });
  /**
   * The documented port (or the one this test had), unless something holds it: a developer's gateway, a
   * second copy of the suite, which may also take it while this test restarts. Binding is the check, so two
   * runs cannot both find it free and then collide.
   */
  const start = async () => {
    try {
      gw = await startOn(port);
    } catch (error) {
      if (!/already (running|in use)/.test((error as Error).message)) throw error;
      gw = await startOn(0);
    }
    port = gw.port;
  };
  /** The examples name port 18790; where another process holds it, the same commands target ours. */
  const onOurPort = (command: string) => command.replaceAll(`:${PORT}/`, `:${port}/`);
  const bash = async (script: string, env: Record<string, string> = {}) => {
    const { stdout } = await run("bash", ["-e", "-c", onOurPort(script)], {
      env: { ...process.env, ...env },
    });
    return stdout;
  };
  const invocations = async (prompt: string) =>
    (await readFile(log, "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .filter((l) => (JSON.parse(l) as { args: string[] }).args.at(-1) === prompt).length;
  const admin = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-hooks-"));
    log = join(home, "fake-claude.log");
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      [
        "api_keys: [{ name: laptop, key: '${VIBEN_ADMIN_KEY}', role: admin }]",
        "hooks:",
        "  tokens: [{ name: github, token: '${VIBEN_HOOK_TOKEN}' }]",
        "queue: { concurrency: 8, per_agent: 8, per_workspace: 8 }",
        "",
      ].join("\n"),
    );
    await start();
    const agent = await fetch(`${gw.url}/api/agent`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ name: "Coder", executor_type: "CLAUDE_CODE" }),
    });
    expect(agent.status).toBe(201);
    const dflt = await fetch(`${gw.url}/api/agent/default`, {
      method: "PUT",
      headers: admin,
      body: JSON.stringify({ agent_id: "coder" }),
    });
    expect(dflt.status).toBe(200);
  });

  afterAll(async () => {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  });

  /** Waits for the queued run to complete and answers its session's agent reply. */
  async function completed(jobId: string): Promise<Json> {
    for (;;) {
      const job = (await (await fetch(`${gw.url}/api/queue/${jobId}`, { headers: admin })).json()) as Json;
      if (["succeeded", "failed", "cancelled"].includes(job.status as string)) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("runs the REST reference's curl example (Bearer = a hook token in $RYVOS_API_KEY)", async () => {
    const out = await bash(
      `curl -X POST http://localhost:18790/api/hooks/wake \\
-H "Authorization: Bearer $RYVOS_API_KEY" \\
-H "Content-Type: application/json" \\
-d '{
"prompt": "The staging deploy just failed. Check the CI logs and diagnose.",
"channel": "slack",
"metadata": {
"source": "github-actions",
"run_id": "12345"
}
}'`,
      { RYVOS_API_KEY: HOOK_TOKEN },
    );
    const body = JSON.parse(out) as Json;
    expect(body).toMatchObject({ job_id: body.run_id, idempotent_replay: false });
    const job = await completed(body.run_id as string);
    // The fake CLI fails any prompt containing "fail", as this one does: the run happened, once.
    expect(job).toMatchObject({
      status: "failed",
      source: "webhook",
      agent_id: "coder",
      metadata: { hook: "github", channel: "slack", metadata: { source: "github-actions", run_id: "12345" } },
    });
    expect(await invocations("The staging deploy just failed. Check the CI logs and diagnose.")).toBe(1);
  });

  it("runs the GitHub Actions step, with the hook token as the secret", async () => {
    const workflowStep = `curl -X POST https://your-server:18789/api/hooks/wake \\
-H "Authorization: Bearer \${{ secrets.RYVOS_API_KEY }}" \\
-H "Content-Type: application/json" \\
-d '{
"prompt": "CI failed on branch \${{ github.event.workflow_run.head_branch }}. Run ID: \${{ github.event.workflow_run.id }}. Check the logs and suggest a fix.",
"channel": "slack"
}'`;
    // What the runner executes: expressions substituted, then `bash -e`; the server is this gateway.
    const script = workflowStep
      .replace("https://your-server:18789", "http://localhost:18790")
      .replace("${{ secrets.RYVOS_API_KEY }}", HOOK_TOKEN)
      .replace("${{ github.event.workflow_run.head_branch }}", "feature/login")
      .replace("${{ github.event.workflow_run.id }}", "9876543210");
    const body = JSON.parse(await bash(script)) as Json;
    const job = await completed(body.run_id as string);
    const prompt = "CI failed on branch feature/login. Run ID: 9876543210. Check the logs and suggest a fix.";
    expect(job).toMatchObject({ status: "failed", prompt, metadata: { channel: "slack" } }); // "failed" in the prompt
    expect(await invocations(prompt)).toBe(1);
  });

  it("takes the monitoring body template as a monitor sends it (the hook token as a custom header)", async () => {
    const template = `{
"prompt": "Alert: {{monitorFriendlyName}} is DOWN. URL: {{monitorURL}}. Reason: {{alertDetails}}. Investigate and report.",
"channel": "telegram"
}`;
    const body = template
      .replace("{{monitorFriendlyName}}", "Shop")
      .replace("{{monitorURL}}", "https://shop.example.com")
      .replace("{{alertDetails}}", "Connection Timeout");
    const res = await fetch(onOurPort(`http://localhost:${PORT}/api/hooks/wake`), {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${HOOK_TOKEN}` },
      body,
    });
    expect(res.status).toBe(202);
    const job = await completed(((await res.json()) as Json).run_id as string);
    const prompt =
      "Alert: Shop is DOWN. URL: https://shop.example.com. Reason: Connection Timeout. Investigate and report.";
    expect(job).toMatchObject({ status: "succeeded", prompt, metadata: { channel: "telegram" } });
  });

  it("runs the deploy script example", async () => {
    const script = `deploy_to_production() { return 0; }
#!/bin/bash
# deploy.sh — notify Ryvos after deployment
deploy_to_production
if [ $? -eq 0 ]; then
curl -X POST http://localhost:18790/api/hooks/wake \\
-H "Authorization: Bearer $RYVOS_API_KEY" \\
-H "Content-Type: application/json" \\
-d '{"prompt": "Deployment complete. Run a health check on production.", "channel": "slack"}'
else
curl -X POST http://localhost:18790/api/hooks/wake \\
-H "Authorization: Bearer $RYVOS_API_KEY" \\
-H "Content-Type: application/json" \\
-d '{"prompt": "Deployment FAILED. Check the deploy logs and diagnose.", "channel": "telegram"}'
fi`;
    const body = JSON.parse(await bash(script, { RYVOS_API_KEY: HOOK_TOKEN })) as Json;
    expect((await completed(body.run_id as string)).prompt).toBe(
      "Deployment complete. Run a health check on production.",
    );
  });

  it("refuses a missing, wrong or query-string token, then rate limits the address", async () => {
    const url = `${gw.url}/api/hooks/wake`;
    const post = (headers: Record<string, string>, query = "") =>
      fetch(`${url}${query}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: '{"prompt":"x"}',
      });
    expect((await post({})).status).toBe(401);
    expect((await post({}, `?token=${HOOK_TOKEN}`)).status).toBe(400);
    for (let i = 0; i < 8; i++) expect((await post({ authorization: `Bearer wrong-${i}` })).status).toBe(401);
    const limited = await post({ authorization: `Bearer ${HOOK_TOKEN}` });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ code: "TOO_MANY_FAILED_ATTEMPTS" });
  });

  it("keeps the same run id for a repeated Idempotency-Key, across a restart, and runs once", async () => {
    await restart();
    const deliver = async () =>
      JSON.parse(
        await bash(
          `curl -s -X POST http://localhost:18790/api/hooks/wake -H "Authorization: Bearer $T" -H "Idempotency-Key: gh-delivery-7f3a" -H "Content-Type: application/json" -d '{"prompt": "Delivery 7f3a: deploy done"}'`,
          { T: HOOK_TOKEN },
        ),
      ) as Json;
    const first = await deliver();
    const second = await deliver();
    expect(second).toMatchObject({ run_id: first.run_id, idempotent_replay: true });
    await completed(first.run_id as string);
    await restart();
    const third = await deliver();
    expect(third).toMatchObject({ run_id: first.run_id, idempotent_replay: true, status: "succeeded" });
    expect(await invocations("Delivery 7f3a: deploy done")).toBe(1);
  });

  it("answers 413 JSON for a body over 64 KiB through the real server", async () => {
    const res = await fetch(`${gw.url}/api/hooks/wake`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${HOOK_TOKEN}` },
      body: JSON.stringify({ prompt: "y".repeat(100_000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });

  /** Restarts on the same HOME, and the same port where it is still free (clears the failed-attempt limiter). */
  async function restart(): Promise<void> {
    await gw.close();
    await start();
  }

  it("publishes a run's events for a webhook run like any other", async () => {
    const sse = await openSse(`${gw.url}/api/events?type=run_started`, {
      authorization: `Bearer ${ADMIN_KEY}`,
    });
    const res = await fetch(`${gw.url}/api/hooks/wake`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${HOOK_TOKEN}` },
      body: JSON.stringify({ prompt: "events please" }),
    });
    expect(res.status).toBe(202);
    expect(await sse.waitFor((e) => e.type === "run_started")).toMatchObject({
      source: "webhook",
      agent_id: "coder",
    });
    sse.close();
  });
});
