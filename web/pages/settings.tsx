import { useState } from "preact/hooks";
import { api, must } from "../api.js";
import { ApiKeys } from "../components/api-keys.js";
import { ErrorText, Loading, PageHeader } from "../components/status.js";
import { useLoad } from "../hooks.js";
import { allows, useWho } from "../session.js";

/** `#/settings`: providers (with a live test), channels, MCP servers, API keys (admin), gateway.yaml (redacted). */
export default function SettingsPage() {
  const who = useWho();
  return (
    <section aria-labelledby="page-title" class="stack">
      <PageHeader title="Settings" />
      <Providers canTest={allows(who, "operator")} />
      <Channels />
      <McpServers canTest={allows(who, "operator")} />
      {allows(who, "admin") ? <ApiKeys /> : null}
      {allows(who, "admin") ? <GatewayConfig /> : null}
    </section>
  );
}

/** A "Test" button's outcome, per row. */
function useTests() {
  const [results, setResults] = useState<Record<string, { ok: boolean; text: string }>>({});
  const run = async (id: string, test: () => Promise<{ ok: boolean; text: string }>) => {
    setResults((r) => ({ ...r, [id]: { ok: true, text: "testing…" } }));
    try {
      const outcome = await test();
      setResults((r) => ({ ...r, [id]: outcome }));
    } catch (failure) {
      setResults((r) => ({
        ...r,
        [id]: { ok: false, text: failure instanceof Error ? failure.message : String(failure) },
      }));
    }
  };
  return { results, run };
}

function Providers({ canTest }: { canTest: boolean }) {
  const providers = useLoad(() => must(api.GET("/api/providers")));
  const { results, run } = useTests();
  const list = (providers.data?.providers ?? []).flatMap((p) => (p ? [p] : []));
  return (
    <section aria-labelledby="providers-title">
      <h2 id="providers-title">Providers</h2>
      <ErrorText error={providers.error} />
      {providers.loading && !providers.data ? <Loading what="providers" /> : null}
      {providers.data && list.length === 0 ? <p class="muted">No providers configured.</p> : null}
      <ul class="stack">
        {list.map((p) => (
          <li key={p.id} data-provider={p.id}>
            <strong>{p.name}</strong>{" "}
            <span class="muted">
              ({p.type}, {p.base_url ?? "default URL"})
            </span>
            {providers.data?.default_provider_id === p.id ? <span class="badge">default</span> : null}{" "}
            {canTest ? (
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  run(p.id, async () => {
                    const t = await must(
                      api.POST("/api/providers/{id}/test", { params: { path: { id: p.id } } }),
                    );
                    return t.ok
                      ? {
                          ok: true,
                          text: `reachable in ${Math.round(t.latency_ms ?? 0)} ms, ${t.models?.length ?? 0} models`,
                        }
                      : { ok: false, text: t.error ?? `failed (${t.status ?? "no answer"})` };
                  })
                }
              >
                Test
              </button>
            ) : null}
            {results[p.id] ? (
              <span class={results[p.id]?.ok ? "ok" : "error"} role="status">
                {" "}
                {results[p.id]?.text}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Channels() {
  const channels = useLoad(() => must(api.GET("/api/channels")));
  const list = channels.data?.channels ?? [];
  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">Channels</h2>
      <ErrorText error={channels.error} />
      {channels.data && list.length === 0 ? (
        <p class="muted">No channels configured (channels.yaml).</p>
      ) : null}
      <ul>
        {list.map((c) => (
          <li key={c.name}>
            <strong>{c.name}</strong>{" "}
            <span class="muted">
              {c.platform} · {c.enabled ? c.status.state : "disabled"}
              {c.agent ? ` · agent ${c.agent}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function McpServers({ canTest }: { canTest: boolean }) {
  const servers = useLoad(() => must(api.GET("/api/mcp/servers")));
  const { results, run } = useTests();
  const list = servers.data?.servers ?? [];
  return (
    <section aria-labelledby="mcp-title">
      <h2 id="mcp-title">MCP servers</h2>
      <ErrorText error={servers.error} />
      {servers.data && list.length === 0 ? <p class="muted">No MCP servers configured.</p> : null}
      <ul class="stack">
        {list.map((s) => (
          <li key={`${s.scope}:${s.name}`}>
            <strong>{s.name}</strong> <span class="muted">({s.scope})</span>{" "}
            {canTest ? (
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  run(s.name, async () => {
                    const t = await must(
                      api.POST("/api/mcp/servers/{name}/test", { params: { path: { name: s.name } } }),
                    );
                    return { ok: true, text: `answers: ${t.tools?.length ?? 0} tools` };
                  })
                }
              >
                Test
              </button>
            ) : null}
            {results[s.name] ? (
              <span class={results[s.name]?.ok ? "ok" : "error"} role="status">
                {" "}
                {results[s.name]?.text}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function GatewayConfig() {
  const config = useLoad(() => must(api.GET("/api/config")));
  return (
    <section aria-labelledby="config-title">
      <h2 id="config-title">gateway.yaml</h2>
      <ErrorText error={config.error} />
      {config.data ? (
        <>
          <p class="muted mono">{config.data.path} (secrets masked)</p>
          <pre data-testid="gateway-config">
            {config.data.content || "(empty: every setting at its default)"}
          </pre>
          {config.data.warnings.map((w) => (
            <p key={w} class="error">
              {w}
            </p>
          ))}
        </>
      ) : null}
    </section>
  );
}
