import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";

const PRIORITY_WORDS = { high: 10, normal: 0, low: -10 } as const;
const text = z.string().min(1, "must not be empty").max(1_000_000);
const session = z.string().min(1).max(500);

/**
 * `POST /remote/instructions`: an instruction for an agent ({agent, prompt, session?, priority?}), with the
 * spellings the original clients send (OpenVesper's web client: {sessionId, text}); or OpenVesper's own
 * form {host, user?, port?, localPort?, remotePort?}, which asks how to reach this gateway from elsewhere.
 */
export const RemoteInstructionRequestSchema = z
  .object({
    agent: idSchema
      .optional()
      .openapi({ description: "The agent to run; the session's or the default when absent" }),
    agent_id: idSchema.optional(),
    prompt: text.optional(),
    text: text.optional(),
    message: text.optional(),
    session: session.optional().openapi({ description: "A session id or sessionKey to continue" }),
    session_id: session.optional(),
    sessionId: session.optional(),
    priority: z
      .union([z.number().int().min(-1000).max(1000), z.enum(["high", "normal", "low"])])
      .optional()
      .openapi({ description: "Higher runs first (high = 10, normal = 0, low = -10); default 0" }),
    workdir: z.string().startsWith("/", "must be an absolute path").optional(),
    // OpenVesper's tunnel question (openvesper/openvesper apps/gateway/src/remote-gateway.ts).
    host: z.string().min(1).max(253).optional(),
    user: z.string().min(1).max(100).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    localPort: z.number().int().min(1).max(65535).optional(),
    remotePort: z.number().int().min(1).max(65535).optional(),
  })
  .superRefine((body, ctx) => {
    const prompt = body.prompt ?? body.text ?? body.message;
    if (prompt === undefined && body.host === undefined) {
      ctx.addIssue({ code: "custom", path: ["prompt"], message: "required (or host, for tunnel commands)" });
    }
    if (body.host !== undefined && !/^[A-Za-z0-9.:\-[\]_]+$/.test(body.host)) {
      ctx.addIssue({ code: "custom", path: ["host"], message: "must be a host name or IP address" });
    }
    if (body.user !== undefined && !/^[A-Za-z0-9._-]+$/.test(body.user)) {
      ctx.addIssue({ code: "custom", path: ["user"], message: "must be a plain user name" });
    }
  })
  .openapi("RemoteInstructionRequest");

export type RemoteInstructionRequest = z.infer<typeof RemoteInstructionRequestSchema>;

export function instructionPriority(value: RemoteInstructionRequest["priority"]): number {
  if (value === undefined) return 0;
  return typeof value === "number" ? value : PRIORITY_WORDS[value];
}

export const TunnelOptionSchema = z.object({
  method: z.string(),
  command: z.string(),
  notes: z.array(z.string()),
});

/** Ways to reach a gateway that listens on loopback from another machine, without exposing it. */
export function tunnelOptions(body: RemoteInstructionRequest, gatewayPort: number) {
  const host = body.host as string;
  const remote = body.remotePort ?? gatewayPort;
  const local = body.localPort ?? remote;
  const sshPort = body.port ?? 22;
  return [
    {
      method: "SSH local port forward",
      command: `ssh -N -L 127.0.0.1:${local}:127.0.0.1:${remote} -p ${sshPort} ${body.user ?? "your-user"}@${host}`,
      notes: [
        `Then use http://127.0.0.1:${local} here as if the gateway ran locally.`,
        "The gateway keeps listening on loopback only; add -f to run the tunnel in the background.",
      ],
    },
    {
      method: "Tailscale",
      command: `curl http://${host}:${remote}/health`,
      notes: [
        "Join both machines to one tailnet, bind the gateway to its tailnet address (VIBEN_HOST).",
        "A non-loopback bind needs api_keys in gateway.yaml; send Authorization: Bearer <key>.",
      ],
    },
    {
      method: "Cloudflare Tunnel",
      command: `cloudflared tunnel --url http://127.0.0.1:${remote}`,
      notes: [
        "Run on the gateway's machine; it prints a public https URL.",
        "Configure api_keys (and an access policy) before exposing agents that can run tools.",
      ],
    },
  ];
}
