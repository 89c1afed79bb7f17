import { type ChildProcess, spawn } from "node:child_process";
import type { HelperMessage, HelperRequest, HelperTransport } from "./spawn-helper-types.js";

/**
 * The spawn helper as a Python program. CPython's subprocess starts a child with vfork (or posix_spawn),
 * which costs the same whatever the parent's size; Node forks, which copies the page tables of its ~40 MB
 * (on this project's 2-core VM: ~0.4 ms a spawn against ~4 ms). Same protocol as the Node helper, as JSON
 * lines on its stdin and stdout (byte data base64), beginning with `ready` once it runs.
 */
const PYTHON_HELPER_SOURCE = `
import base64, errno, json, os, selectors, signal, subprocess, sys

idle_seconds = int(sys.argv[1]) / 1000
signal.signal(signal.SIGINT, signal.SIG_DFL)  # a Ctrl-C to the gateway's group ends it quietly, as Node's
sel = selectors.DefaultSelector()
children = {}  # id -> {"p": Popen, "open": streams not at EOF, "pending": bytes for stdin, "end": bool}
out = sys.stdout.buffer

def send(message):
    out.write(json.dumps(message, separators=(",", ":")).encode() + b"\\n")
    out.flush()

wake_r, wake_w = os.pipe()
os.set_blocking(wake_r, False)
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
sel.register(wake_r, selectors.EVENT_READ, ("wake", None, None))

def settle(cid):
    # Reported once the process has exited and its stdout and stderr are closed, as Node's 'close'.
    child = children.get(cid)
    if child is None or child["open"] or child["p"].poll() is None:
        return
    del children[cid]
    stdin_gone(cid, child)
    rc = child["p"].returncode
    send({"t": "close", "id": cid, "code": rc if rc >= 0 else None,
          "signal": signal.Signals(-rc).name if rc < 0 else None})

def stdin_gone(cid, child):
    child["pending"] = b""
    fd = child["p"].stdin.fileno() if child["p"].stdin and not child["p"].stdin.closed else None
    if fd is not None:
        try:
            sel.unregister(fd)
        except (KeyError, ValueError):
            pass
        child["p"].stdin.close()

def flush_stdin(cid, child):
    stdin = child["p"].stdin
    if stdin is None or stdin.closed:
        return
    try:
        while child["pending"]:
            written = os.write(stdin.fileno(), child["pending"])
            child["pending"] = child["pending"][written:]
    except BlockingIOError:
        pass
    except OSError:
        stdin_gone(cid, child)
        return
    fd = stdin.fileno()
    if child["pending"]:
        try:
            sel.register(fd, selectors.EVENT_WRITE, ("in", cid, None))
        except KeyError:
            pass
        return
    try:
        sel.unregister(fd)
    except (KeyError, ValueError):
        pass
    if child["end"]:
        stdin.close()

def text(value):
    # A lone surrogate (JSON allows one) becomes U+FFFD, as Node's own spawn encodes it.
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")

def start(m):
    cid = m["id"]
    try:
        p = subprocess.Popen([text(a) for a in [m["command"]] + m["args"]], cwd=text(m["cwd"]),
                             env={text(k): text(v) for k, v in m["env"].items()}, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except ValueError as e:
        # What Node's spawn refuses before starting anything (a NUL byte in an argument).
        send({"t": "failed", "id": cid, "message": str(e), "code": "ERR_INVALID_ARG_VALUE"})
        return
    except OSError as e:
        # Reported as Node reports a spawn that cannot start: no pid, an error, then the close.
        code = errno.errorcode.get(e.errno, "EIO") if e.errno else "EIO"
        send({"t": "pid", "id": cid, "pid": -1})
        send({"t": "error", "id": cid, "message": "spawn %s %s" % (m["command"], code), "code": code})
        send({"t": "close", "id": cid, "code": -(e.errno or 5), "signal": None})
        return
    children[cid] = {"p": p, "open": {"out", "err"}, "pending": b"", "end": False}
    os.set_blocking(p.stdin.fileno(), False)
    for kind, stream in (("out", p.stdout), ("err", p.stderr)):
        os.set_blocking(stream.fileno(), False)
        sel.register(stream.fileno(), selectors.EVENT_READ, (kind, cid, stream))
    send({"t": "pid", "id": cid, "pid": p.pid})

def request(m):
    child = children.get(m.get("id"))
    if m["t"] == "spawn":
        start(m)
    elif child is not None and m["t"] == "in":
        child["pending"] += base64.b64decode(m["data"])
        flush_stdin(m["id"], child)
    elif child is not None and m["t"] == "end":
        child["end"] = True
        flush_stdin(m["id"], child)

os.set_blocking(sys.stdin.fileno(), False)
sel.register(sys.stdin.fileno(), selectors.EVENT_READ, ("requests", None, None))
buffered = b""
send({"t": "ready"})
while True:
    events = sel.select(None if children else idle_seconds)
    if not events and not children:
        sys.exit(0)
    for key, _ in events:
        kind, cid, stream = key.data
        if kind == "requests":
            try:
                data = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not data:
                sys.exit(0)  # the gateway is gone; the children run on in their own sessions
            buffered += data
            *lines, buffered = buffered.split(b"\\n")
            for line in lines:
                if not line:
                    continue
                m = json.loads(line)
                try:
                    request(m)
                except Exception as e:  # never the helper's end: only this request fails
                    if m.get("t") == "spawn":
                        send({"t": "failed", "id": m["id"], "message": repr(e), "code": "EIO"})
        elif kind == "wake":
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
            for cid in list(children):
                settle(cid)
        elif kind == "in":
            if cid in children:
                flush_stdin(cid, children[cid])
        else:
            try:
                data = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                send({"t": kind, "id": cid, "data": base64.b64encode(data).decode()})
            else:
                sel.unregister(key.fd)
                stream.close()
                children[cid]["open"].discard(kind)
                settle(cid)
`;

/** Starts the Python helper; `onMessage` hears its messages (`ready` first). */
export function startPythonHelper(
  pythonPath: string,
  idleExitMs: number,
  onMessage: (message: HelperMessage | { t: "ready" }) => void,
): HelperTransport {
  const env = { ...process.env };
  // The helper is no run's member (it outlives them). `-I` keeps PYTHON* variables and user site-packages
  // out of it, `-S` skips the site module (a faster start).
  delete env.VIBEN_RUN_COOKIE;
  const helper: ChildProcess = spawn(
    pythonPath,
    ["-I", "-S", "-c", PYTHON_HELPER_SOURCE, String(idleExitMs)],
    {
      stdio: ["pipe", "pipe", "inherit"],
      env,
    },
  );
  const { stdin, stdout } = helper as ChildProcess & {
    stdin: NodeJS.WritableStream & { ref(): void; unref(): void };
    stdout: NodeJS.ReadableStream & { ref(): void; unref(): void };
  };
  stdin.on("error", () => {});
  let buffered = "";
  stdout.setEncoding("utf8");
  stdout.on("data", (chunk: string) => {
    buffered += chunk;
    let end = buffered.indexOf("\n");
    while (end >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      end = buffered.indexOf("\n");
      if (line) onMessage(decode(JSON.parse(line)));
    }
  });
  return {
    process: helper,
    send(message) {
      if (helper.exitCode !== null || helper.signalCode !== null || !stdin.writable) return false;
      stdin.write(`${JSON.stringify(encode(message))}\n`);
      return true;
    },
    ref() {
      stdin.ref();
      stdout.ref();
    },
    unref() {
      stdin.unref();
      stdout.unref();
    },
  };
}

function encode(message: HelperRequest): object {
  return message.t === "in" ? { ...message, data: Buffer.from(message.data).toString("base64") } : message;
}

function decode(message: { t: string; data?: string }): HelperMessage | { t: "ready" } {
  if ((message.t === "out" || message.t === "err") && typeof message.data === "string") {
    return { ...message, data: Buffer.from(message.data, "base64") } as unknown as HelperMessage;
  }
  return message as HelperMessage | { t: "ready" };
}
