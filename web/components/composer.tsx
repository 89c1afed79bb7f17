/**
 * The message box under a conversation: Send (or Ctrl+Enter), Stop while something runs. A role that may
 * not run agents sees a note instead.
 */
export function Composer({
  id,
  placeholder,
  message,
  setMessage,
  running,
  canRun,
  onSend,
  onStop,
}: {
  id: string;
  placeholder: string;
  message: string;
  setMessage: (text: string) => void;
  running: boolean;
  canRun: boolean;
  onSend: () => void;
  onStop: () => void;
}) {
  if (!canRun) return <p class="muted">Your role can read conversations; running agents needs operator.</p>;
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        onSend();
      }}
    >
      <label for={id} class="sr-only">
        Message
      </label>
      <textarea
        id={id}
        placeholder={`${placeholder} (Ctrl+Enter sends)`}
        value={message}
        onInput={(e) => setMessage(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onSend();
          }
        }}
      />
      <div class="row">
        <button type="submit" disabled={running || !message.trim()}>
          Send
        </button>
        <button type="button" class="danger" disabled={!running} onClick={onStop}>
          Stop
        </button>
        {running ? <span class="muted">Running…</span> : null}
      </div>
    </form>
  );
}
