// `runsc selftest-roles [FILE]` (internal): proves the role mechanism end to end. The CLI
// starts its own binary as `gofer` (serving FILE's directory) and as `boot` in probe mode,
// with a SOCK_SEQPACKET socketpair between them (each gets its end as fd 3). Boot asks the
// gofer for FILE over LISAFS; the gofer opens it and donates the fd (SCM_RIGHTS); boot reads
// through the donated fd and reports; the CLI checks the bytes against the file itself.
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import type { GlobalFlags } from "./globals.ts";
import type { ProbeReport } from "../boot/probe.ts";
import { SOCK_SEQPACKET, unixSocketpair } from "../../ffi/socket.ts";
import { close } from "../../ffi/libc.ts";
import { parseFlags, UsageError } from "../sandbox/flags.ts";
import { spawnRole } from "../sandbox/spawn.ts";
import { exitStatus } from "../sandbox/sandbox.ts";
import { selfPath } from "../runtime.ts";

/** Entry of `runsc selftest-roles`; returns 0 when the fd donation worked. */
export async function selftestMain(argv: string[], globals: GlobalFlags): Promise<number> {
  let file: string;
  try {
    const { rest } = parseFlags(argv, {});
    if (rest.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(rest[1])}`);
    file = fs.realpathSync(rest[0] ?? selfPath());
    if (!fs.statSync(file).isFile()) throw new UsageError(`${file}: not a regular file`);
  } catch (e) {
    console.error(`runsc selftest-roles: ${(e as Error).message}`);
    return 2;
  }
  const dir = path.dirname(file);
  const name = path.basename(file);

  const [goferEnd, bootEnd] = unixSocketpair(SOCK_SEQPACKET);
  const gofer = spawnRole("gofer", globals, [`--root-dir=${dir}`, "--io-fd=3"], {
    fds: [goferEnd],
    stdio: ["ignore", "ignore", "inherit"],
  });
  close(goferEnd);
  const boot = spawnRole("boot", globals, ["--gofer-fd=3", `--probe=${name}`], {
    fds: [bootEnd],
    stdio: ["ignore", "pipe", "inherit"],
  });
  close(bootEnd);
  let out = "";
  boot.child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  const bootExit = await boot.exited;
  const goferExit = await gofer.exited;
  if (bootExit.code !== 0 || goferExit.code !== 0) {
    console.error(
      `runsc selftest-roles: FAILED: boot exited ${exitStatus(bootExit)}, gofer exited ${
        exitStatus(goferExit)
      }`,
    );
    return 1;
  }
  let report: ProbeReport;
  try {
    report = JSON.parse(out.trim()) as ProbeReport;
  } catch {
    console.error(`runsc selftest-roles: FAILED: unreadable report from boot: ${JSON.stringify(out)}`);
    return 1;
  }
  const fd = fs.openSync(file, "r");
  const want = Buffer.alloc(16);
  const n = fs.readSync(fd, want, 0, 16, 0);
  fs.closeSync(fd);
  const wantHex = want.subarray(0, n).toString("hex");
  const size = fs.statSync(file).size;
  if (report.head !== wantHex || report.size !== size || report.name !== name) {
    console.error(
      `runsc selftest-roles: FAILED: boot read ${report.head} (size ${report.size}) for ${report.name}, ` +
        `expected ${wantHex} (size ${size}) for ${name}`,
    );
    return 1;
  }
  console.log(
    `selftest-roles: ok: gofer (pid ${gofer.pid}) opened ${file} and donated it over SCM_RIGHTS; ` +
      `boot (pid ${report.bootPid}) received it as fd ${report.fd} and read ${n} bytes: ${report.head} ` +
      `(size ${report.size}, ${report.rootEntries} entries in the served directory); cli pid ${process.pid}`,
  );
  return 0;
}
