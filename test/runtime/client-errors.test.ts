import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerClientErrorsWithEnvelope } from "../../runtime/node/client-errors.js";

/** Requests Node's parser refuses before any handler runs still get the JSON error envelope. */
describe("answerClientErrorsWithEnvelope", () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end("ok"));
    answerClientErrorsWithEnvelope(server);
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it("answers a 100 KB request target with 431 and the envelope, not a reset", async () => {
    const answer = await new Promise<{ status: number; type: string; body: string }>((done, fail) => {
      const req = request({ host: "127.0.0.1", port, path: `/x?q=${"x".repeat(100 * 1024)}` }, (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () =>
          done({ status: res.statusCode!, type: String(res.headers["content-type"]), body }),
        );
      });
      req.on("error", fail);
      req.end();
    });
    expect(answer.status).toBe(431);
    expect(answer.type).toBe("application/json");
    expect(JSON.parse(answer.body)).toMatchObject({
      code: "REQUEST_HEADERS_TOO_LARGE",
      error: expect.stringContaining("16 KB"),
      details: { parser_error: "HPE_HEADER_OVERFLOW" },
    });
  });

  it("answers a broken request line with 400 and the envelope", async () => {
    const raw = await new Promise<string>((done, fail) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write("GET /\u0001 HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (d) => {
        text += d;
      });
      socket.on("end", () => done(text));
      socket.on("error", fail);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw).toContain("connection: close");
    const body = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "MALFORMED_HTTP_REQUEST", error: "malformed HTTP request" });
  });
});
