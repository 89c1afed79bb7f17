import { z } from "@hono/zod-openapi";
import { TerminalExitSchema, TerminalInfoSchema } from "../capabilities/terminals.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";
import { forwardingUnknownTerminals } from "../middleware/run-forwarding.js";
import { requireTerminals } from "./terminal-requests.js";

const IdParamSchema = z.object({ id: z.string().min(1).max(200) });

/**
 * /api/terminals: the live terminals of `/terminal/ws` (Node only; 501 elsewhere). With several instances,
 * a terminal of another instance is killed there (the request is passed on).
 */
export const terminalsRouter = forwardingUnknownTerminals(createRouter())
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listTerminals",
      tags: ["Terminals"],
      summary: "List live terminals",
      responses: {
        200: jsonContent(
          z.object({ terminals: z.array(TerminalInfoSchema), total: z.number().int() }),
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
          z.object({ success: z.boolean(), id: z.string(), exit: TerminalExitSchema }),
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
