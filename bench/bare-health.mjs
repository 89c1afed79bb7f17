import { createServer } from "node:http";

// The baseline: a bare node:http server answering the same /health JSON as the gateway. Plain JavaScript,
// so its start-up is Node's own. Port: `--port N` (default 0, any free port).
const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
const started = Date.now();
const server = createServer((req, res) => {
  if (req.url === "/health") {
    const body = JSON.stringify({
      status: "ok",
      version: "0.1.0",
      uptime: (Date.now() - started) / 1000,
      runtime: "node",
    });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
    return;
  }
  res.writeHead(404).end();
});
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object")
    process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
