import { useState } from "preact/hooks";
import { api, must } from "../api.js";
import { ErrorText, Loading, PageHeader } from "../components/status.js";
import { useLoad } from "../hooks.js";
import { href, navigate } from "../router.js";
import { allows, useWho } from "../session.js";
import type { PageProps } from "./page.js";

const PAGE = 50;

/** `#/sessions` (the searchable list) and `#/sessions/<agent>/<session>` (the transcript). */
export default function SessionsPage({ route }: PageProps) {
  const [agent, session] = route;
  return agent && session ? <Transcript key={session} agent={agent} session={session} /> : <SessionList />;
}

function SessionList() {
  const [text, setText] = useState("");
  const [query, setQuery] = useState("");
  const list = useLoad(
    () =>
      must(
        api.GET("/api/chat-list", {
          params: { query: { type: "session", limit: PAGE, ...(query ? { q: query } : {}) } },
        }),
      ),
    [query],
  );
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Sessions" />
      <search>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(text.trim());
          }}
        >
          <label for="session-search">Search</label>
          <input
            id="session-search"
            type="search"
            placeholder="Title or message text"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="secondary">
            Search
          </button>
        </form>
      </search>
      <ErrorText error={list.error} />
      {list.loading && !list.data ? <Loading what="sessions" /> : null}
      {list.data && list.data.items.length === 0 ? (
        <p class="muted">{query ? `No session matches “${query}”.` : "No sessions yet."}</p>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <ul class="session-list">
          {list.data.items.map((item) => (
            <li key={item.id} class="card" data-session={item.session_id}>
              {item.agent_id && item.session_id ? (
                <a href={href("sessions", item.agent_id, item.session_id)}>{item.title || "(untitled)"}</a>
              ) : (
                <span>{item.title}</span>
              )}
              <span class="muted">
                {" "}
                · {item.agent_id} · {item.message_count} messages ·{" "}
                {new Date(item.last_activity).toLocaleString()}
              </span>
              {item.preview ? <p class="muted preview">{item.preview}</p> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {list.data ? (
        <p class="muted">
          {list.data.items.length} of {list.data.total}
        </p>
      ) : null}
    </section>
  );
}

type Message = { id: string; seq?: number; role: string; content: string; timestamp: string };

/** A session's messages, newest page first; "Load earlier messages" pages back. Continue in chat, fork. */
function Transcript({ agent, session }: { agent: string; session: string }) {
  const who = useWho();
  const [older, setOlder] = useState<Message[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string>();
  const first = useLoad(async () => {
    const page = await must(
      api.GET("/api/agent/{id}/sessions/{sid}/messages", {
        params: { path: { id: agent, sid: session }, query: { limit: PAGE } },
      }),
    );
    setCursor(page.prev_cursor ?? null);
    return page;
  }, [agent, session]);
  const loadEarlier = async () => {
    if (!cursor) return;
    try {
      const page = await must(
        api.GET("/api/agent/{id}/sessions/{sid}/messages", {
          params: { path: { id: agent, sid: session }, query: { limit: PAGE, before: cursor } },
        }),
      );
      setOlder((list) => [...(page.messages as Message[]), ...list]);
      setCursor(page.prev_cursor ?? null);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const fork = async () => {
    setError(undefined);
    try {
      const forked = await must(
        api.POST("/api/sessions/{id}/fork", { params: { path: { id: session } }, body: {} }),
      );
      navigate("sessions", agent, forked.id);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const messages = [...older, ...((first.data?.messages ?? []) as Message[])];
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Session">
        {allows(who, "operator") ? (
          <>
            <a class="button" href={href("chat", session)}>
              Continue in chat
            </a>
            <button type="button" class="secondary" onClick={() => void fork()}>
              Fork
            </button>
          </>
        ) : null}
        <a href={href("sessions")}>All sessions</a>
      </PageHeader>
      <p class="muted mono">
        {agent} · {session}
        {first.data ? ` · ${first.data.total} messages` : ""}
      </p>
      <ErrorText error={first.error ?? error} />
      {first.loading && !first.data ? <Loading what="messages" /> : null}
      {cursor ? (
        <button type="button" class="secondary" onClick={() => void loadEarlier()}>
          Load earlier messages
        </button>
      ) : null}
      <ol class="transcript" aria-label="Messages">
        {messages.map((m) => (
          <li key={m.id} class={`entry entry-${m.role}`} data-seq={m.seq}>
            <span class="who-label">
              {m.role} · {new Date(m.timestamp).toLocaleString()}
            </span>
            <p class="message">{m.content}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
