import { useEffect, useRef, useState } from "preact/hooks";
import { api, must, webSocketUrl } from "../api.js";
import { Composer } from "../components/composer.js";
import { ErrorText, PageHeader } from "../components/status.js";
import { useLoad } from "../hooks.js";
import { href, navigate } from "../router.js";
import { allows, useWho } from "../session.js";

/** A stored message of a group chat session (storage/group-chat-sessions.ts). */
interface GroupMessage {
  id: string;
  type: string;
  content?: string;
  sender_name?: string;
  agent_id?: string;
  agent_name?: string;
  status?: string;
}

/** A frame of the session's WebSocket (handlers/group-chats/group-chat-ws.ts describes them). */
type Frame = Record<string, unknown> & { type: string; agent_id?: string };

/**
 * `#/chat/group/<chat>[/<session>]`: a conversation with a group chat's members. The session's WebSocket
 * streams every member's text as it is written and each stored message; the user's messages are posted
 * over the API (so a refusal is an answer with a reason); Stop stops the orchestration and every member run.
 */
export default function GroupConversation({ chatId, sessionId }: { chatId: string; sessionId?: string }) {
  const who = useWho();
  const canRun = allows(who, "operator");
  const chat = useLoad(
    () => must(api.GET("/api/group-chats/{id}", { params: { path: { id: chatId } } })),
    [chatId],
  );
  const [session, setSession] = useState(sessionId);
  const [messages, setMessages] = useState<GroupMessage[]>([]);
  // What each member is writing right now (its run's text deltas), until its answer is stored.
  const [writing, setWriting] = useState<Record<string, string>>({});
  const [thinking, setThinking] = useState<string[]>([]);
  const [notice, setNotice] = useState<string>();
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const socket = useRef<WebSocket>();
  const workspace = workspaceQuery(chat.data);

  const onFrame = (frame: Frame) => {
    const agent = frame.agent_id;
    switch (frame.type) {
      case "new_message": {
        const stored = frame.message as GroupMessage;
        setMessages((list) => (list.some((m) => m.id === stored.id) ? list : [...list, stored]));
        if (stored.agent_id) {
          setWriting(({ [stored.agent_id as string]: _, ...rest }) => rest);
          setThinking((list) => list.filter((a) => a !== stored.agent_id));
        }
        break;
      }
      case "agent_thinking":
        if (agent) setThinking((list) => (list.includes(agent) ? list : [...list, agent]));
        break;
      case "delta":
        if (agent)
          setWriting((all) => ({ ...all, [agent]: (all[agent] ?? "") + String(frame.content ?? "") }));
        break;
      case "orchestration_complete":
        setBusy(false);
        setThinking([]);
        setNotice(`The members are done (${String(frame.reason)}, ${String(frame.turns)} turns).`);
        break;
      case "stopped":
        setBusy(false);
        setThinking([]);
        setWriting({});
        setNotice("Stopped.");
        break;
      case "error":
        setError(String(frame.error));
        break;
    }
  };

  /** Opens the session's socket; resolves once the gateway says it is connected. */
  const connect = (sid: string) =>
    new Promise<void>((resolve, reject) => {
      socket.current?.close();
      const ws = new WebSocket(webSocketUrl(`/api/group-chats/${chatId}/sessions/${sid}/ws`, workspace));
      socket.current = ws;
      ws.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as Frame;
        if (frame.type === "connected") resolve();
        onFrame(frame);
      };
      ws.onerror = () => reject(new Error("the session's live stream could not be opened"));
    });

  // An existing session: its messages, then its live stream.
  useEffect(() => {
    if (!sessionId || !chat.data) return;
    void (async () => {
      try {
        const page = await must(
          api.GET("/api/group-chats/{id}/sessions/{sid}/messages", {
            params: { path: { id: chatId, sid: sessionId }, query: { ...workspace, limit: 200 } },
          }),
        );
        setMessages(page.messages as GroupMessage[]);
        await connect(sessionId);
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    })();
    return () => socket.current?.close();
  }, [chatId, sessionId, chat.data]);
  useEffect(() => () => socket.current?.close(), []);

  const send = async () => {
    const content = message.trim();
    if (!content) return;
    setError(undefined);
    setNotice(undefined);
    setBusy(true);
    try {
      let sid = session;
      if (!sid) {
        const created = await must(
          api.POST("/api/group-chats/{id}/sessions", {
            params: { path: { id: chatId }, query: workspace },
            body: {},
          }),
        );
        sid = String((created as { id: string }).id);
        setSession(sid);
        // Listening before the message is posted, so no member's first words are missed.
        await connect(sid);
      }
      await must(
        api.POST("/api/group-chats/{id}/sessions/{sid}/messages", {
          params: { path: { id: chatId, sid }, query: workspace },
          body: { content },
        }),
      );
      setMessage("");
    } catch (failure) {
      setBusy(false);
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  const stop = () => socket.current?.send(JSON.stringify({ type: "stop" }));

  const names = new Map((chat.data?.members ?? []).map((m) => [m.member_id, m.display_name]));
  return (
    <section aria-labelledby="page-title" class="chat">
      <PageHeader title={`Group chat: ${chat.data?.name ?? chatId}`}>
        {session ? (
          <a href={href("chat", "group", chatId, session)} class="mono">
            session {session.slice(0, 8)}
          </a>
        ) : null}
        <button type="button" class="secondary" onClick={() => navigate("chat")}>
          New chat
        </button>
      </PageHeader>
      {chat.data ? (
        <p class="muted">
          Members: {chat.data.members.map((m) => m.display_name).join(", ")} ·{" "}
          {(chat.data.orchestration.mode ?? "round_robin").replaceAll("_", " ")}
        </p>
      ) : null}
      <ol class="transcript" aria-live="polite" aria-label="Conversation">
        {messages.map((m) => (
          <li key={m.id} class={`entry entry-${m.type === "user" ? "user" : "assistant"}`}>
            {m.type === "system" ? (
              <p class="muted">{m.content}</p>
            ) : (
              <div>
                <span class="who-label">
                  {m.type === "user" ? userName(m) : (m.agent_name ?? m.agent_id)}
                </span>
                <p class="message" data-testid={m.type === "user" ? undefined : "member-answer"}>
                  {m.content}
                </p>
              </div>
            )}
          </li>
        ))}
        {Object.entries(writing).map(([agent, text]) => (
          <li key={`writing-${agent}`} class="entry entry-assistant">
            <span class="who-label">{names.get(agent) ?? agent} (writing)</span>
            <p class="message">{text}</p>
          </li>
        ))}
      </ol>
      {thinking.length > 0 ? (
        <p class="muted">{thinking.map((a) => names.get(a) ?? a).join(", ")} thinking…</p>
      ) : null}
      {notice ? <p class="muted">{notice}</p> : null}
      <ErrorText error={error ?? chat.error} />
      <Composer
        id="group-message"
        placeholder="Message the group (@name to address one member)"
        message={message}
        setMessage={setMessage}
        running={busy}
        canRun={canRun}
        onSend={() => void send()}
        onStop={stop}
      />
    </section>
  );
}

/** Where the chat lives, for every later call (a global chat needs none). */
function workspaceQuery(
  chat: { is_global?: boolean; workspace_path?: string } | undefined,
): Record<string, string> {
  return chat && !chat.is_global && chat.workspace_path ? { workspace_path: chat.workspace_path } : {};
}

/** The user's own messages say "You"; a named sender (another person, a channel) keeps its name. */
function userName(message: GroupMessage): string {
  return !message.sender_name || message.sender_name === "user" ? "You" : message.sender_name;
}
