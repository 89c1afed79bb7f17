import { AgentSideConnection } from "@agentclientprotocol/sdk";
import type { WSContext } from "hono/ws";
import { type AcpConnectionContext, GatewayAcpAgent } from "./gateway-agent.js";
import { WebSocketAcpStream } from "./socket-stream.js";

/** One socket: the SDK's connection over it, and the gateway agent behind that. */
export function openConnection(ws: WSContext, context: AcpConnectionContext) {
  const socket = new WebSocketAcpStream(ws);
  let agent: GatewayAcpAgent | undefined;
  const connection = new AgentSideConnection((client) => {
    agent = new GatewayAcpAgent(client, context);
    return agent;
  }, socket.stream);
  // The connection ends with its socket; a failure there is the socket's, already seen by onError.
  void connection.closed.catch(() => undefined);
  return {
    receive: (data: unknown) => socket.receive(data),
    close: () => {
      socket.end();
      void agent?.disconnect();
    },
  };
}
