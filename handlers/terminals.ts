import { z } from "@hono/zod-openapi";
import { ApiError } from "./errors.js";
import { createRouter } from "./lib/app-factory.js";
import { defineRoute } from "./lib/roles.js";
import { errorResponses, jsonContent } from "./lib/schemas.js";
import { requireTerminals } from "./lib/terminal-requests.js";

const TerminalSchema = z
  .object({
    id: z.string(),
    pid: z.number().int(),
    cwd: z.string(),
    command: z.string().nullable().openapi({ description: "Run via `$SHELL -c`; null for a shell" }),
    cols: z.number().int(),
    rows: z.number().int(),
    created_at: z.string(),
    attached: z.boolean().openapi({ description: "False while in the grace period after a disconnect" }),
    last_activity: z.string().openapi({ description: "Last input or output" }),
    client: z.string().openapi({ description: "`key:<API key name>` or `addr:<remote address>`" }),
  })
  .openapi("Terminal");

const ExitSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: z.string().optional(),
});

const IdParamSchema = z.object({ id: z.string().min(1).max(200) });

/** /api/terminals: the live terminals of `/terminal/ws` (Node only; 501 elsewhere). */
export const terminalsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listTerminals",
      tags: ["Terminals"],
      summary: "List live terminals",
      responses: {
        200: jsonContent(
          z.object({ terminals: z.array(TerminalSchema), total: z.number().int() }),
          "Live terminals, attached or within their grace period",
        ),
        ...errorResponses(501),
      },
    }),
    async (c) => {
      const terminals = (await requireTerminals(c.get("services"))).list();
      return c.json({ terminals, total: terminals.length }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}",
      operationId: "killTerminal",
      tags: ["Terminals"],
      summary: "Kill a terminal and its processes (the attached client gets an exit frame)",
      request: { params: IdParamSchema },
      responses: {
        200: jsonContent(
          z.object({ success: z.boolean(), id: z.string(), exit: ExitSchema }),
          "The terminal's processes have exited",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const exit = await (await requireTerminals(c.get("services"))).kill(id);
      if (!exit)
        throw new ApiError(404, "TERMINAL_NOT_FOUND", `terminal '${id}' not found`, { terminal_id: id });
      return c.json({ success: true, id, exit }, 200);
    },
  );
