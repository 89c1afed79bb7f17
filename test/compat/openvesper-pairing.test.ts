/*
 * Follows openvesper/openvesper apps/telegram-bot/src/index.ts (`checkPairingGate` and the gate step of
 * `handleMessage`: POST /pairing/gate {channel: "telegram", identity, policy: TELEGRAM_DM_POLICY,
 * displayName}, then act on `action`: drop, reject, reply-with-code (`code`, `firstTime`) or process),
 * and the operator's side in apps/cli/src/commands/pairing.ts (`vesper pairing pending|approve|deny|
 * revoke`: GET /pairing/pending, POST /pairing/approve-code {channel, code}, /pairing/approve, /deny,
 * /revoke). Drives a real gateway on port 0 with a temporary HOME.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";

type GateAction = "process" | "reply-with-code" | "drop" | "reject";
interface PairingEntry {
  key: string;
  channel: string;
  identity: string;
  state: "pending" | "approved" | "denied";
  code?: string;
  displayName?: string;
  createdAt: number;
  updatedAt: number;
  expiresAt?: number;
}

describe("OpenVesper's telegram bot and CLI against the pairing gate", () => {
  let home: string;
  let gw: RunningGateway;
  const DM_POLICY = "pairing";

  /** The CLI's `api()` helper: JSON in and out, a non-2xx answer is an error carrying `error`. */
  async function api<T>(method: "GET" | "POST", path: string, body?: object): Promise<T> {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const parsed = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(parsed.error ?? `HTTP ${res.status}`);
    return parsed;
  }

  /** The bot's `checkPairingGate(identity, displayName)`. */
  async function checkPairingGate(
    identity: string,
    displayName?: string,
  ): Promise<{ action: GateAction; code?: string; firstTime?: boolean }> {
    const res = await fetch(`${gw.url}/pairing/gate`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ channel: "telegram", identity, policy: DM_POLICY, displayName }),
      signal: AbortSignal.timeout(2000),
    });
    if (!res.ok) throw new Error(`gateway ${res.status}`);
    return (await res.json()) as { action: GateAction; code?: string; firstTime?: boolean };
  }

  /** The gate step of the bot's `handleMessage`: what it sends back, or "process" when the agent gets it. */
  async function handleMessage(msg: { from: { id: number; username?: string } }): Promise<string | null> {
    const gate = await checkPairingGate(String(msg.from.id), msg.from.username);
    if (gate.action === "drop") return null;
    if (gate.action === "reject") return "🛑 This bot is configured for pre-approved senders only.";
    if (gate.action === "reply-with-code") {
      const intro = gate.firstTime
        ? "👋 Hi! This bot is in pairing mode."
        : "👋 You already have a pending pairing code.";
      return `${intro}\n\nYour pairing code: \`${gate.code}\`\n\n\`vesper pairing approve telegram ${gate.code}\``;
    }
    return "process";
  }

  const codeIn = (reply: string | null) => /pairing code: `(\d+)`/.exec(reply ?? "")?.[1];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-ov-pairing-"));
    gw = await startGateway({ port: 0, env: { ...process.env, HOME: home, VIBEN_LOG_LEVEL: "silent" } });
    // The bot's 2 s timeout is meant for a gateway that is up; the route groups load on the first request
    // past the middleware, which on a loaded machine can take longer than that, so the operator looks first.
    await api("GET", "/pairing/pending");
  });

  afterAll(async () => {
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("pairs a new sender: code on first contact, the same code again, approved by the CLI, then processed", async () => {
    const first = await handleMessage({ from: { id: 424242, username: "ada" } });
    expect(first).toContain("This bot is in pairing mode.");
    const code = codeIn(first);
    expect(code).toMatch(/^\d{6}$/);
    const second = await handleMessage({ from: { id: 424242, username: "ada" } });
    expect(second).toContain("You already have a pending pairing code.");
    expect(codeIn(second)).toBe(code);

    // `vesper pairing pending telegram`
    const pending = await api<PairingEntry[]>("GET", "/pairing/pending?channel=telegram");
    expect(pending).toMatchObject([
      {
        key: "telegram:424242",
        channel: "telegram",
        identity: "424242",
        state: "pending",
        code,
        displayName: "ada",
      },
    ]);
    expect(pending[0]!.expiresAt).toBeGreaterThan(Date.now());

    // `vesper pairing approve telegram <code>`
    const entry = await api<PairingEntry>("POST", "/pairing/approve-code", { channel: "telegram", code });
    expect(`${entry.channel}:${entry.identity}`).toBe("telegram:424242");
    expect(entry.displayName).toBe("ada");
    await expect(api("POST", "/pairing/approve-code", { channel: "telegram", code })).rejects.toThrow(
      /wrong or expired/,
    );

    expect(await handleMessage({ from: { id: 424242, username: "ada" } })).toBe("process");
    const approved = await api<PairingEntry[]>("GET", "/pairing/approved?channel=telegram");
    expect(approved.map((e) => e.identity)).toEqual(["424242"]);
    const all = await api<PairingEntry[]>("GET", "/pairing/all");
    expect(all.map((e) => e.state)).toEqual(["approved"]);
  });

  it("drops a denied sender, and a revoked sender pairs again from scratch", async () => {
    await handleMessage({ from: { id: 777 } });
    // `vesper pairing deny telegram 777`
    expect(
      await api<PairingEntry>("POST", "/pairing/deny", { channel: "telegram", identity: "777" }),
    ).toMatchObject({
      state: "denied",
    });
    expect(await handleMessage({ from: { id: 777 } })).toBeNull();
    // `vesper pairing revoke telegram 777`
    expect(await api("POST", "/pairing/revoke", { channel: "telegram", identity: "777" })).toEqual({
      removed: true,
    });
    expect(await handleMessage({ from: { id: 777 } })).toContain("This bot is in pairing mode.");
    // `vesper pairing approve telegram --identity 777`
    await api("POST", "/pairing/approve", { channel: "telegram", identity: "777" });
    expect(await handleMessage({ from: { id: 777 } })).toBe("process");
    expect(await readFile(join(home, ".viben/pairing.yaml"), "utf8")).toContain('identity: "777"');
  });
});
