import { type AnyMessage, RequestError, type Stream } from "@agentclientprotocol/sdk";
import type { WSContext } from "hono/ws";

const WS_OPEN = 1;

/**
 * The ACP SDK speaks over a pair of Web streams of JSON-RPC messages; this adapts one WebSocket to them.
 * A text frame carries one message, or several separated by newlines (what an ndjson client writes);
 * each outgoing message is one frame ending in a newline, which plain JSON clients ignore. Text that is
 * not JSON gets the JSON-RPC parse error here (the SDK only ever sees parsed messages), and so does JSON
 * that is neither a request, a notification nor a response (the SDK would take it for a stray response
 * and answer nothing) or is a batch; a malformed request is the SDK's to refuse.
 */
export class WebSocketAcpStream {
  readonly stream: Stream;
  private controller?: ReadableStreamDefaultController<AnyMessage>;
  private ended = false;

  constructor(private readonly ws: WSContext) {
    const readable = new ReadableStream<AnyMessage>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => this.end(),
    });
    const writable = new WritableStream<AnyMessage>({
      write: (message) => this.send(message),
    });
    this.stream = { readable, writable };
  }

  /** One frame from the client. */
  receive(data: unknown): void {
    if (this.ended) return;
    if (typeof data !== "string") {
      this.send(parseError("frames must be JSON text, not binary"));
      return;
    }
    for (const line of data.split("\n")) {
      if (line.trim() === "") continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch (error) {
        this.send(parseError((error as Error).message));
        continue;
      }
      if (isMessage(message)) this.controller?.enqueue(message as AnyMessage);
      else this.send(invalidRequest(message));
    }
  }

  /** The socket closed: the SDK sees the end of its input and settles what is pending. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.controller?.close();
    } catch {
      // Already closed by a cancel.
    }
  }

  private send(message: unknown): void {
    if (this.ws.readyState === WS_OPEN) this.ws.send(`${JSON.stringify(message)}\n`);
  }
}

/** A JSON-RPC parse error answers no request in particular, so its id is null (JSON-RPC 2.0 §5). */
function parseError(why: string) {
  return { jsonrpc: "2.0", id: null, error: RequestError.parseError(undefined, why).toErrorResponse() };
}

/**
 * A request or notification names a method; a response carries a result or an error. ACP has no batches:
 * an array gets one -32600 with a null id (what later SDKs answer; this one would close the connection).
 */
function isMessage(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  return "method" in value || "result" in value || "error" in value;
}

function invalidRequest(message: unknown) {
  const id = (message as { id?: unknown } | null)?.id;
  return {
    jsonrpc: "2.0",
    id: typeof id === "string" || typeof id === "number" ? id : null,
    error: RequestError.invalidRequest(
      undefined,
      "not a JSON-RPC request, notification or response",
    ).toErrorResponse(),
  };
}
