import type { WSContext } from "hono/ws";
import { z } from "zod";
import { DomainError } from "../../storage/errors.js";
import { describeIssues } from "../../storage/schema-helpers.js";
import type { GroupChatService, GroupChatSessionRef } from "../capabilities/group-chats.js";
import { ApiError } from "../errors.js";
import { groupChatSessions } from "./group-chat-access.js";

const MAX_FRAME_BYTES = 1024 * 1024;

/** Client frames: the original Viben's (send_message, typing, switch_view), our `chat` spelling, stop and ping. */
const ClientFrame = z.discriminatedUnion("type", [
  z
    .object({
      type: z.enum(["send_message", "chat", "message"]),
      content: z.string().max(1_000_000).optional(),
      message: z.string().max(1_000_000).optional(),
      sender_id: z.string().max(200).optional(),
      sender_name: z.string().max(200).optional(),
    })
    .loose(),
  z.object({ type: z.literal("stop") }).loose(),
  z.object({ type: z.literal("typing"), is_typing: z.boolean().optional() }).loose(),
  z
    .object({
      type: z.literal("switch_view"),
      view: z.enum(["ui", "agent"]).optional(),
      agent_id: z.string().optional(),
    })
    .loose(),
  z.object({ type: z.literal("ping") }).loose(),
]);

/**
 * One client on a group chat session's socket: it hears every frame of the session (members' run events
 * tagged with the member, messages, orchestration) and sends the user's messages and the stop.
 */
export class GroupChatConnection {
  private readonly unsubscribe: () => void;

  constructor(
    private readonly runtime: GroupChatService,
    private readonly ref: GroupChatSessionRef,
    private readonly ws: WSContext,
    private readonly memberId: string,
    private readonly workdirRoots: string[] | undefined,
  ) {
    this.unsubscribe = runtime.subscribe(ref, (frame) => this.send(frame));
    this.send({
      type: "connected",
      member_id: memberId,
      group_chat_id: ref.groupChatId,
      session_id: ref.sessionId,
      active: runtime.isActive(ref),
    });
  }

  async onMessage(data: unknown): Promise<void> {
    if (typeof data !== "string") return this.error("INVALID_FRAME", "frames must be JSON text");
    if (data.length > MAX_FRAME_BYTES)
      return this.error("FRAME_TOO_LARGE", `frames are limited to ${MAX_FRAME_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.error("INVALID_JSON", "frames must be JSON objects");
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      return this.error("INVALID_FRAME", describeIssues(parsed.error).message || "unknown frame type");
    }
    const frame = parsed.data;
    try {
      switch (frame.type) {
        case "send_message":
        case "chat":
        case "message": {
          const content = frame.content ?? frame.message;
          if (!content?.trim()) return this.error("VALIDATION_ERROR", "content: must be a non-empty string");
          const result = await this.runtime.send({
            ...this.ref,
            content,
            senderId: frame.sender_id ?? this.memberId,
            ...(frame.sender_name ? { senderName: frame.sender_name } : {}),
            workdirRoots: this.workdirRoots,
          });
          this.send({
            type: "message_accepted",
            message_id: result.message.id,
            agents_triggered: result.agentsTriggered,
          });
          return;
        }
        case "stop": {
          const stopped = await this.runtime.stop(this.ref);
          this.send({ type: "stopped", stopped });
          return;
        }
        case "typing":
          return;
        case "switch_view": {
          const page = await groupChatSessions.messages(
            this.ref.scope,
            this.ref.groupChatId,
            this.ref.sessionId,
            {
              limit: 200,
            },
          );
          this.send({
            type: "view_data",
            view: frame.view ?? "ui",
            agent_id: frame.agent_id,
            messages: page.messages,
          });
          return;
        }
        case "ping":
          this.send({ type: "pong" });
          return;
      }
    } catch (error) {
      if (error instanceof DomainError || error instanceof ApiError)
        return this.error(error.code, error.message);
      this.error("INTERNAL_ERROR", "the frame could not be handled");
    }
  }

  close(): void {
    this.unsubscribe();
  }

  private error(code: string, message: string): void {
    this.send({ type: "error", error: message, code });
  }

  private send(frame: Record<string, unknown>): void {
    try {
      this.ws.send(JSON.stringify(frame));
    } catch {
      // The socket is closing: its close handler unsubscribes.
    }
  }
}
