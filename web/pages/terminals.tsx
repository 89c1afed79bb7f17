import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, must, webSocketUrl } from "../api.js";
import { ErrorText, Loading, PageHeader } from "../components/status.js";
import { useLoad } from "../hooks.js";
import { href, navigate } from "../router.js";
import { allows, useWho } from "../session.js";
import type { PageProps } from "./page.js";

/** `#/terminals` (the list), `#/terminals/new`, `#/terminals/<id>` (reattach: the gateway replays its output). */
export default function TerminalsPage({ route }: PageProps) {
  const [id] = route;
  return id ? <TerminalView key={id} id={id === "new" ? undefined : id} /> : <TerminalList />;
}

function TerminalList() {
  const who = useWho();
  const terminals = useLoad(() => must(api.GET("/api/terminals")));
  const [error, setError] = useState<string>();
  const canUse = allows(who, "operator");
  const kill = async (id: string) => {
    setError(undefined);
    try {
      await must(api.DELETE("/api/terminals/{id}", { params: { path: { id } } }));
      terminals.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const list = terminals.data?.terminals ?? [];
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Terminals">
        {canUse ? (
          <a class="button" href={href("terminals", "new")}>
            New terminal
          </a>
        ) : null}
      </PageHeader>
      <p class="muted">
        A terminal keeps running when you leave its page (for a grace period); open it again to reattach.
      </p>
      <ErrorText error={terminals.error ?? error} />
      {terminals.loading && !terminals.data ? <Loading what="terminals" /> : null}
      {terminals.data && list.length === 0 ? <p class="muted">No terminals running.</p> : null}
      {list.length > 0 ? (
        <table>
          <caption class="sr-only">Terminals</caption>
          <thead>
            <tr>
              <th scope="col">Terminal</th>
              <th scope="col">Directory</th>
              <th scope="col">Attached</th>
              <th scope="col">Last activity</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr key={t.id} data-terminal={t.id}>
                <td class="mono">
                  {t.command ?? "shell"} · pid {t.pid}
                </td>
                <td class="mono">{t.cwd}</td>
                <td>{t.attached ? "yes" : "no"}</td>
                <td>{new Date(t.last_activity).toLocaleTimeString()}</td>
                <td class="row">
                  {canUse ? <a href={href("terminals", t.id)}>Open</a> : null}
                  {canUse ? (
                    <button type="button" class="danger" onClick={() => void kill(t.id)}>
                      Kill
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** A real terminal (xterm.js) over /terminal/ws: a new shell, or one of this client's own reattached. */
function TerminalView({ id }: { id: string | undefined }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState("connecting…");
  const [error, setError] = useState<string>();
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    fit.fit();
    const socket = new WebSocket(webSocketUrl("/terminal/ws"));
    const send = (frame: Record<string, unknown>) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    };
    socket.onopen = () =>
      send({ type: "init", ...(id ? { terminal_id: id } : {}), cols: term.cols, rows: term.rows });
    socket.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as Record<string, unknown>;
      if (frame.type === "ready") {
        setStatus(`attached · pid ${String(frame.pid)}`);
        // The address names this terminal (a reload reattaches) without remounting the page.
        history.replaceState(null, "", href("terminals", String(frame.terminal_id)));
        term.focus();
      } else if (frame.type === "output") term.write(String(frame.data));
      else if (frame.type === "exit") setStatus(`exited (${String(frame.code ?? frame.signal ?? "")})`);
      else if (frame.type === "error") setError(`${String(frame.code)}: ${String(frame.message)}`);
    };
    socket.onclose = () => setStatus((s) => (s.startsWith("exited") ? s : "detached"));
    const input = term.onData((data) => send({ type: "input", data }));
    const resize = term.onResize(({ cols, rows }) => send({ type: "resize", cols, rows }));
    const onWindowResize = () => fit.fit();
    addEventListener("resize", onWindowResize);
    return () => {
      removeEventListener("resize", onWindowResize);
      input.dispose();
      resize.dispose();
      // Closing the socket detaches: the shell lives on for the gateway's grace period.
      socket.close();
      term.dispose();
    };
  }, [id]);
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Terminal">
        <span class="muted" data-testid="terminal-status">
          {status}
        </span>
        <button type="button" class="secondary" onClick={() => navigate("terminals")}>
          Detach
        </button>
      </PageHeader>
      <ErrorText error={error} />
      <div class="terminal-host" ref={host} data-testid="terminal" />
    </section>
  );
}
