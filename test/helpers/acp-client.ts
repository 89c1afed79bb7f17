import {
  type AnyMessage,
  ClientSideConnection,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SessionNotification,
  type Stream,
} from "@agentclientprotocol/sdk";
import WebSocket from "ws";
import { Inbox } from "./clients.js";

/**
 * The ACP SDK's streams over a `ws` socket: each text frame holds one or more newline-separated messages
 * (the gateway ends each with a newline), each message sent is one frame.
 */
export function webSocketStream(socket: WebSocket): Stream {
  const readable = new ReadableStream<AnyMessage>({
    start(controller) {
      socket.on("message", (data) => {
        for (const line of String(data).split("\n")) {
          if (line.trim()) controller.enqueue(JSON.parse(line) as AnyMessage);
        }
      });
      socket.once("close", () => controller.close());
    },
  });
  const writable = new WritableStream<AnyMessage>({
    write(message) {
      socket.send(JSON.stringify(message));
    },
  });
  return { readable, writable };
}

export interface AcpTestClient {
  /** The SDK's client side: initialize, newSession, prompt, cancel, loadSession, listSessions, … */
  agent: ClientSideConnection;
  updates: Inbox<SessionNotification>;
  permissionRequests: RequestPermissionRequest[];
  /**
   * How session/request_permission is answered (set it before the prompt): an option id to select, or a
   * function of the request; unset, every request is answered `cancelled`.
   */
  onPermission?: string | ((request: RequestPermissionRequest) => RequestPermissionResponse);
  close(): Promise<void>;
}

/** Opens /ws/agent/acp (with the `acp.v1` subprotocol, as Viben's own client asks) and wraps it in the SDK's client. */
export async function connectAcp(url: string): Promise<AcpTestClient> {
  const socket = new WebSocket(url, "acp.v1");
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
    socket.once("unexpected-response", (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
  const updates = new Inbox<SessionNotification>();
  const permissionRequests: RequestPermissionRequest[] = [];
  const client: AcpTestClient = {
    agent: undefined as unknown as ClientSideConnection,
    updates,
    permissionRequests,
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once("close", () => resolve());
        socket.close();
      }),
  };
  client.agent = new ClientSideConnection(
    () => ({
      sessionUpdate: (params) => updates.push(params),
      requestPermission: (params): RequestPermissionResponse => {
        permissionRequests.push(params);
        const answer = client.onPermission;
        if (typeof answer === "function") return answer(params);
        if (answer !== undefined) return { outcome: { outcome: "selected", optionId: answer } };
        return { outcome: { outcome: "cancelled" } };
      },
    }),
    webSocketStream(socket),
  );
  return client;
}
