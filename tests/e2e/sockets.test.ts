// Real programs using sockets under `runsc --network=none do`: Python threads with a TCP
// server and client on 127.0.0.1, asyncio streams, socketpair and if_nameindex; Node.js http
// server + client on loopback (v4 and dual-stack "localhost"), a unix-socket echo and
// os.networkInterfaces(). Uses RUNSC_BIN (the built dist/runsc), else bin/runsc-dev. Needs
// python3 and node on the host (Debian packages python3, nodejs).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

const repo = path.resolve(import.meta.dirname!, "../..");
const bin = process.env.RUNSC_BIN ? path.resolve(process.env.RUNSC_BIN) : path.join(repo, "bin/runsc-dev");
let dir = "";

function need(prog: string): string {
  const r = spawnSync("sh", ["-c", `command -v ${prog}`], { encoding: "utf8" });
  assert.equal(r.status, 0, `${prog} is required for these tests (install the Debian package)`);
  return r.stdout.trim();
}

/** Runs `argv` natively and under runsc; returns both stdouts (status checked). */
function both(argv: string[]): { native: string; ours: string } {
  const n = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 60_000 });
  assert.equal(n.status, 0, `native run failed: ${n.stderr}`);
  const o = spawnSync(bin, ["--network=none", "do", ...argv], { encoding: "utf8", timeout: 120_000 });
  assert.equal(o.status, 0, `runsc run failed (${o.status}): ${o.stdout}\n${o.stderr}`);
  return { native: n.stdout, ours: o.stdout };
}

const PY_THREADS = `
import socket, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen()
port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept()
    with c:
        while True:
            d = c.recv(1024)
            if not d: break
            c.sendall(d.upper())
t = threading.Thread(target=serve); t.start()
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(b"hello threads"); print(s.recv(1024).decode())
    s.sendall(b"x" * 300000); got = 0
    while got < 300000: got += len(s.recv(65536))
    print("bulk", got)
t.join(); srv.close()
a, b = socket.socketpair(); a.sendall(b"pair"); print(b.recv(10))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
u.sendto(b"udp", u.getsockname()); print(u.recvfrom(10)[0])
print("lo" in [n for _, n in socket.if_nameindex()])
`;

const PY_ASYNCIO = `
import asyncio
async def handle(r, w):
    while data := await r.readline():
        w.write(b"echo:" + data); await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    r, w = await asyncio.open_connection("127.0.0.1", port)
    for m in [b"one\\n", b"two\\n"]:
        w.write(m); await w.drain(); print((await r.readline()).decode().strip())
    w.close(); await w.wait_closed(); srv.close(); await srv.wait_closed()
asyncio.run(main())
`;

const NODE_HTTP = `
const http = require("http"), net = require("net");
const srv = http.createServer((req, res) => { res.end("hi " + req.url); });
srv.listen(0, "127.0.0.1", () => {
  http.get({ host: "127.0.0.1", port: srv.address().port, path: "/x" }, (res) => {
    let b = ""; res.on("data", (d) => b += d);
    res.on("end", () => {
      console.log(res.statusCode, b);
      const s6 = http.createServer((q, r) => r.end("dual " + q.url)).listen(0, () => {
        http.get("http://localhost:" + s6.address().port + "/y", (r2) => {
          let c = ""; r2.on("data", (d) => c += d);
          r2.on("end", () => {
            console.log(r2.statusCode, c);
            const sock = process.argv[1];
            const u = net.createServer((k) => k.pipe(k)).listen(sock, () => {
              const k = net.connect(sock, () => k.write("unix ok"));
              k.on("data", (d) => { console.log(String(d)); k.end(); u.close(); s6.close(); srv.close(); });
            });
          });
        });
      });
    });
  });
});
`;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "runsc-sockets-"));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("sockets in real programs under runsc do --network=none", () => {
  it("python3: TCP server and client threads, socketpair, UDP, if_nameindex", () => {
    const py = need("python3");
    const r = both([py, "-c", PY_THREADS]);
    assert.equal(r.ours, "HELLO THREADS\nbulk 300000\nb'pair'\nb'udp'\nTrue\n");
    assert.equal(r.ours, r.native);
  });

  it("python3: asyncio echo server and client", () => {
    const py = need("python3");
    const r = both([py, "-c", PY_ASYNCIO]);
    assert.equal(r.ours, "echo:one\necho:two\n");
    assert.equal(r.ours, r.native);
  });

  it("node: http server + client on 127.0.0.1 and localhost, unix socket echo, only lo", () => {
    const node = need("node");
    const sockN = path.join(dir, "n.sock"), sockO = path.join(dir, "o.sock");
    const n = spawnSync(node, ["-e", NODE_HTTP, sockN], { encoding: "utf8", timeout: 60_000 });
    assert.equal(n.status, 0, n.stderr);
    const o = spawnSync(bin, ["--network=none", "do", node, "-e", NODE_HTTP, sockO], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(o.status, 0, `${o.stdout}\n${o.stderr}`);
    assert.equal(o.stdout, "200 hi /x\n200 dual /y\nunix ok\n");
    assert.equal(o.stdout, n.stdout);
    const ifs = spawnSync(bin, [
      "--network=none",
      "do",
      node,
      "-e",
      "console.log(Object.keys(require('os').networkInterfaces()).join())",
    ], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(ifs.stdout, "lo\n", ifs.stderr);
  });
});
