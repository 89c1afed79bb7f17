import { useState } from "preact/hooks";
import { api, must } from "../api.js";
import { useLoad } from "../hooks.js";
import { ErrorText, Loading } from "./status.js";

/**
 * The tasks of the global scope on the kanban board: cards drag between and within columns (HTML5 drag
 * and drop), and each card has a "Move to" control for the keyboard. The gateway's transition rules
 * apply (a refused move says why and the card stays).
 */
export function KanbanBoard({ canEdit }: { canEdit: boolean }) {
  const board = useLoad(() => must(api.GET("/api/kanban")));
  const agents = useLoad(() => must(api.GET("/api/agent")));
  const [error, setError] = useState<string>();
  const [title, setTitle] = useState("");
  const [agent, setAgent] = useState("");
  const [dragging, setDragging] = useState<string>();

  const move = async (taskId: string, column: string, position: number) => {
    setError(undefined);
    try {
      await must(api.POST("/api/kanban/move", { body: { task_id: taskId, column, position } }));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
    board.reload();
  };
  const columns = board.data?.columns ?? [];
  return (
    <section aria-labelledby="kanban-title" class="stack">
      <h2 id="kanban-title">Tasks</h2>
      <ErrorText error={board.error ?? error} />
      {board.loading && !board.data ? <Loading what="the board" /> : null}
      <div class="kanban">
        {columns.map((column) => (
          <section
            key={column.id}
            class="kanban-column"
            aria-labelledby={`column-${column.id}`}
            data-column={column.id}
            onDragOver={(e) => {
              if (canEdit) e.preventDefault();
            }}
            onDrop={(e) => {
              e.preventDefault();
              const id = e.dataTransfer?.getData("text/plain");
              if (!id) return;
              // Dropped on a card: before it; elsewhere in the column: at the end.
              const target = (e.target as HTMLElement).closest<HTMLElement>("[data-task]");
              const index = target ? column.tasks.findIndex((t) => t.id === target.dataset.task) : -1;
              void move(id, column.id, index >= 0 ? index : column.tasks.length);
            }}
          >
            <h3 id={`column-${column.id}`}>
              {column.name} <span class="muted">({column.tasks.length})</span>
            </h3>
            <ul>
              {column.tasks.map((task) => (
                <li
                  key={task.id}
                  class={`kanban-card card${dragging === task.id ? " dragging" : ""}`}
                  data-task={task.id}
                  draggable={canEdit}
                  onDragStart={(e) => {
                    e.dataTransfer?.setData("text/plain", task.id);
                    setDragging(task.id);
                  }}
                  onDragEnd={() => setDragging(undefined)}
                >
                  <strong>{task.title}</strong>
                  {task.agent_id ? <span class="muted"> · {task.agent_id}</span> : null}
                  {canEdit ? (
                    <label class="row">
                      <span class="sr-only">Move {task.title} to</span>
                      <select
                        value={column.id}
                        onChange={(e) => void move(task.id, e.currentTarget.value, Number.MAX_SAFE_INTEGER)}
                      >
                        {columns.map((c) => (
                          <option key={c.id} value={c.id}>
                            {c.name}
                          </option>
                        ))}
                      </select>
                    </label>
                  ) : null}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
      {canEdit ? (
        <form
          class="row"
          onSubmit={async (event) => {
            event.preventDefault();
            setError(undefined);
            try {
              await must(api.POST("/api/tasks", { body: { title, ...(agent ? { agent_id: agent } : {}) } }));
              setTitle("");
              board.reload();
            } catch (failure) {
              setError(failure instanceof Error ? failure.message : String(failure));
            }
          }}
        >
          <label for="task-title">New task</label>
          <input id="task-title" required value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          <label for="task-agent">Agent</label>
          <select id="task-agent" value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
            <option value="">None yet</option>
            {(agents.data?.agents ?? []).flatMap((a) =>
              a
                ? [
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>,
                  ]
                : [],
            )}
          </select>
          <button type="submit">Add task</button>
        </form>
      ) : null}
    </section>
  );
}
