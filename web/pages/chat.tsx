import { useEffect, useRef, useState } from "preact/hooks";
import { api, must } from "../api.js";
import { Composer } from "../components/composer.js";
import { ErrorText, PageHeader } from "../components/status.js";
import { useLoad } from "../hooks.js";
import { href, navigate } from "../router.js";
import { allows, useWho } from "../session.js";
import { streamEvents } from "../sse.js";
import GroupConversation from "./group-chat.js";
import type { PageProps } from "./page.js";

/** One frame of POST /api/agent/run's stream (the Viben desktop's agent-run events). */
type Frame = Record<string, unknown> & { type: string };

interface ToolCall {
  name: string;
  input: unknown;
  output?: string;
  isError?: boolean;
}

interface Question {
  id: string;
  what: string;
  answered?: "allowed" | "denied";
}

/** What the page shows of a conversation: user turns, streamed answers, tool calls and questions. */
type Entry =
  | { kind: "user"; text: string }
  | { kind: "assistant"; text: string }
  | { kind: "tool"; call: ToolCall }
  | { kind: "question"; question: Question }
  | { kind: "notice"; text: string; error?: boolean };

/** The picker's value for a group chat (agent ids cannot contain a colon). */
const GROUP = "group:";

const compact = (value: unknown) => {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
};

/**
 * `#/chat` (pick an agent or a group chat), `#/chat/new/<agent>`, `#/chat/group/<chat>[/<session>]`, `#/chat/<session>` (continue it, and watch runs other
 * clients start in it live). A turn streams from POST /api/agent/run; tool approvals are answered inline;
 * Stop cancels the run (/api/agent/run/cancel).
 */
export default function ChatPage({ route }: PageProps) {
  // A new route is a new conversation: nothing of the last one carries over.
  const key = route.join("/");
  if (route[0] === "group" && route[1])
    return <GroupConversation key={key} chatId={route[1]} sessionId={route[2]} />;
  return <Conversation key={key} route={route} />;
}

function Conversation({ route }: PageProps) {
  const who = useWho();
  const [first, second] = route;
  const sessionFromRoute = first && first !== "new" ? first : undefined;
  const agents = useLoad(() => must(api.GET("/api/agent")));
  const groups = useLoad(() => must(api.GET("/api/group-chats")));
  const [agent, setAgent] = useState(first === "new" ? (second ?? "") : "");
  const [cwd, setCwd] = useState("");
  const [message, setMessage] = useState("");
  const [sessionId, setSessionId] = useState<string | undefined>(sessionFromRoute);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string>();
  const sessionRef = useRef(sessionId);
  sessionRef.current = sessionId;
  // This page's own runs stream through their POST; the live feed shows other clients' runs only.
  const runningRef = useRef(false);
  runningRef.current = running;
  const canRun = allows(who, "operator");

  // An existing session: its transcript, then live events of runs started elsewhere.
  useEffect(() => {
    if (!sessionFromRoute) return;
    const controller = new AbortController();
    void (async () => {
      try {
        const session = await must(
          api.GET("/api/sessions/{id}", { params: { path: { id: sessionFromRoute } } }),
        );
        setAgent(String((session as { agent_id?: string }).agent_id ?? ""));
        const history = await must(
          api.GET("/api/sessions/{id}/history", { params: { path: { id: sessionFromRoute } } }),
        );
        setEntries(transcriptEntries(history));
        await streamEvents(`/api/events?session_id=${encodeURIComponent(sessionFromRoute)}`, {
          signal: controller.signal,
          onEvent: (event) => {
            const frame = JSON.parse(event.data) as Frame;
            if (!runningRef.current) applyLiveEvent(frame, setEntries);
          },
        });
      } catch (failure) {
        if (!controller.signal.aborted)
          setError(failure instanceof Error ? failure.message : String(failure));
      }
    })();
    return () => controller.abort();
  }, [sessionFromRoute]);

  const send = async () => {
    const text = message.trim();
    if (!text) return;
    setMessage("");
    setError(undefined);
    setRunning(true);
    setEntries((list) => [...list, { kind: "user", text }, { kind: "assistant", text: "" }]);
    const append = (entry: Entry) => setEntries((list) => [...list, entry]);
    try {
      await streamEvents("/api/agent/run", {
        body: {
          prompt: text,
          ...(agent ? { agent_id: agent } : {}),
          ...(sessionRef.current ? { session_id: sessionRef.current } : {}),
          ...(cwd.trim() ? { cwd: cwd.trim() } : {}),
        },
        onEvent: (event) => {
          const frame = JSON.parse(event.data) as Frame;
          switch (frame.type) {
            case "session":
              setSessionId(String(frame.session_id));
              break;
            case "text":
              setEntries((list) => appendText(list, String(frame.content ?? "")));
              break;
            case "tool_use":
              append({ kind: "tool", call: { name: String(frame.name), input: frame.input } });
              break;
            case "tool_result":
              setEntries((list) => withToolResult(list, frame));
              break;
            case "question":
              append({
                kind: "question",
                question: {
                  id: String(frame.id),
                  what: `${String(frame.tool_name ?? frame.kind)}(${compact(frame.input)})`,
                },
              });
              break;
            case "error":
              append({
                kind: "notice",
                text: `${frame.code ? `${frame.code}: ` : ""}${frame.message}`,
                error: true,
              });
              break;
            case "done":
              append({ kind: "notice", text: `Run ${String(frame.status)}` });
              setEntries((list) => [...list, { kind: "assistant", text: "" }]);
              break;
          }
        },
      });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setRunning(false);
    }
  };

  const answer = async (question: Question, approved: boolean) => {
    const session = sessionRef.current;
    if (!session) return;
    try {
      await must(
        api.POST("/api/agent/run/answer", {
          body: { session_id: session, question_id: question.id, approved },
        }),
      );
      setEntries((list) =>
        list.map((e) =>
          e.kind === "question" && e.question.id === question.id
            ? { ...e, question: { ...e.question, answered: approved ? "allowed" : "denied" } }
            : e,
        ),
      );
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  const stop = async () => {
    const session = sessionRef.current;
    if (!session) return;
    try {
      await must(api.POST("/api/agent/run/cancel", { body: { session_id: session } }));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  const agentList = (agents.data?.agents ?? []).flatMap((a) => (a ? [a] : []));
  return (
    <section aria-labelledby="page-title" class="chat">
      <PageHeader title="Chat">
        {sessionId ? (
          <a href={href("chat", sessionId)} class="mono">
            session {sessionId.slice(0, 8)}
          </a>
        ) : null}
        <button type="button" class="secondary" onClick={() => navigate("chat")}>
          New chat
        </button>
      </PageHeader>
      <div class="row">
        <label for="chat-agent">Agent</label>
        <select
          id="chat-agent"
          value={agent}
          disabled={running || Boolean(sessionFromRoute)}
          onChange={(e) => {
            const value = e.currentTarget.value;
            if (value.startsWith(GROUP)) navigate("chat", "group", value.slice(GROUP.length));
            else setAgent(value);
          }}
        >
          <option value="">The default agent</option>
          {agentList.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({a.id})
            </option>
          ))}
          {groups.data?.group_chats.length ? (
            <optgroup label="Group chats">
              {groups.data.group_chats.map((g) => (
                <option key={g.id} value={`${GROUP}${g.id}`}>
                  {g.name} (group)
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
        <label for="chat-cwd">Working directory</label>
        <input
          id="chat-cwd"
          placeholder="(the agent's own)"
          value={cwd}
          disabled={running}
          onInput={(e) => setCwd(e.currentTarget.value)}
        />
      </div>
      <ol class="transcript" aria-live="polite" aria-label="Conversation">
        {entries.map((entry, index) => (
          <li key={index} class={`entry entry-${entry.kind}`}>
            <EntryView entry={entry} onAnswer={answer} disabled={!canRun} />
          </li>
        ))}
      </ol>
      <ErrorText error={error ?? agents.error} />
      <Composer
        id="chat-message"
        placeholder="Message the agent"
        message={message}
        setMessage={setMessage}
        running={running}
        canRun={canRun}
        onSend={() => void send()}
        onStop={() => void stop()}
      />
    </section>
  );
}

function EntryView({
  entry,
  onAnswer,
  disabled,
}: {
  entry: Entry;
  onAnswer: (q: Question, approved: boolean) => void;
  disabled: boolean;
}) {
  switch (entry.kind) {
    case "user":
      return (
        <div>
          <span class="who-label">You</span>
          <p class="message">{entry.text}</p>
        </div>
      );
    case "assistant":
      return entry.text ? (
        <div>
          <span class="who-label">Agent</span>
          <p class="message" data-testid="assistant-text">
            {entry.text}
          </p>
        </div>
      ) : null;
    case "tool":
      return (
        <details class="tool-call">
          <summary>
            <span class="badge">tool</span> {entry.call.name}({compact(entry.call.input)})
            {entry.call.output === undefined ? <span class="muted"> running…</span> : null}
          </summary>
          <h3 class="sr-only">Input</h3>
          <pre>{JSON.stringify(entry.call.input, null, 2)}</pre>
          {entry.call.output !== undefined ? (
            <>
              <h3 class="sr-only">Result</h3>
              <pre class={entry.call.isError ? "error" : undefined} data-testid="tool-result">
                {entry.call.output}
              </pre>
            </>
          ) : null}
        </details>
      );
    case "question":
      return (
        <fieldset class="card question">
          <legend>Approval</legend>
          <p>
            The agent asks to run <code>{entry.question.what}</code>
          </p>
          {entry.question.answered ? (
            <p class="muted">You {entry.question.answered} it.</p>
          ) : (
            <div class="row">
              <button type="button" disabled={disabled} onClick={() => onAnswer(entry.question, true)}>
                Allow
              </button>
              <button
                type="button"
                class="danger"
                disabled={disabled}
                onClick={() => onAnswer(entry.question, false)}
              >
                Deny
              </button>
            </div>
          )}
        </fieldset>
      );
    case "notice":
      return <p class={entry.error ? "error" : "muted"}>{entry.text}</p>;
  }
}

/** Appends streamed text to the answer being written (the last assistant entry). */
function appendText(list: Entry[], text: string): Entry[] {
  const last = list.at(-1);
  if (last?.kind === "assistant")
    return [...list.slice(0, -1), { kind: "assistant", text: last.text + text }];
  return [...list, { kind: "assistant", text }];
}

/** Fills in the latest tool call still waiting for its result; a new answer block follows it. */
function withToolResult(list: Entry[], frame: Frame): Entry[] {
  const output = typeof frame.output === "string" ? frame.output : JSON.stringify(frame.output);
  const index = list.findLastIndex((e) => e.kind === "tool" && e.call.output === undefined);
  if (index < 0) return list;
  const entry = list[index] as Extract<Entry, { kind: "tool" }>;
  const next = [...list];
  next[index] = { kind: "tool", call: { ...entry.call, output, isError: frame.is_error === true } };
  return [...next, { kind: "assistant", text: "" }];
}

/** A session's history (GET /api/sessions/{id}/history: role and text per turn) as entries. */
function transcriptEntries(history: unknown): Entry[] {
  const messages = ((history as { messages?: unknown[] }).messages ?? []) as Array<{
    role?: string;
    text?: unknown;
  }>;
  return messages.flatMap((m): Entry[] => {
    const text = typeof m.text === "string" ? m.text : JSON.stringify(m.text ?? "");
    if (m.role === "user") return [{ kind: "user", text }];
    if (m.role === "assistant") return [{ kind: "assistant", text }];
    return [];
  });
}

/**
 * A live event of a run another client started in this session (runtime/runs/run-recorder.ts publishes
 * them on /api/events): the prompt and later user messages, streamed text, tool calls and the run's end.
 */
function applyLiveEvent(frame: Frame, setEntries: (update: (list: Entry[]) => Entry[]) => void): void {
  switch (frame.type) {
    case "run_started":
    case "user_message":
      setEntries((list) => [
        ...list,
        { kind: "user", text: String(frame.prompt ?? frame.content ?? "") },
        { kind: "assistant", text: "" },
      ]);
      break;
    case "delta":
      setEntries((list) => appendText(list, String(frame.content ?? "")));
      break;
    case "tool_start":
      setEntries((list) => [
        ...list,
        { kind: "tool", call: { name: String(frame.tool), input: frame.input } },
      ]);
      break;
    case "tool_end":
      setEntries((list) => withToolResult(list, { ...frame, output: frame.result }));
      break;
    case "run_complete":
    case "run_error":
      setEntries((list) => [
        ...list,
        {
          kind: "notice",
          text: frame.type === "run_complete" ? "Run completed" : "Run failed",
          error: frame.type === "run_error",
        },
      ]);
      break;
  }
}
