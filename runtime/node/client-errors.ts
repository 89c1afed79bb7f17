import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

const ANSWERS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    "REQUEST_HEADERS_TOO_LARGE",
    "request line and headers exceed the server's limit (16 KB): send long values in a JSON body",
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, "CHUNK_EXTENSIONS_TOO_LARGE", "chunk extensions too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "REQUEST_TIMEOUT", "the request did not arrive in time"],
};
const MALFORMED: [number, string, string] = [400, "MALFORMED_HTTP_REQUEST", "malformed HTTP request"];
/** How long the rest of a refused request may keep arriving (a reset would lose the answer). */
const DRAIN_MS = 2_000;

/**
 * Answers on a raw socket (no ServerResponse exists yet, or any more) with the JSON error envelope and
 * closes it. The socket is half-closed rather than destroyed, so a client still sending reads the answer
 * instead of a reset; it is destroyed a little later whatever the client does.
 */
export function endWithEnvelope(
  socket: Duplex,
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: message, code, details });
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra.join("")}\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

/**
 * Requests Node's HTTP parser refuses (headers over the size limit, broken request lines, bad chunking)
 * never reach a handler; Node's own answer is a bare status line. These get the JSON error envelope too.
 */
export function answerClientErrorsWithEnvelope(server: {
  on(event: "clientError", listener: (error: NodeJS.ErrnoException, socket: Duplex) => void): unknown;
}): void {
  const answered = new WeakSet<Duplex>();
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports every later chunk of the same connection again: answer once.
    if (answered.has(socket)) return;
    answered.add(socket);
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] = ANSWERS[error.code ?? ""] ?? MALFORMED;
    endWithEnvelope(socket, status, code, message, { parser_error: error.code ?? null });
  });
}
