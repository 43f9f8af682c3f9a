// `--console-socket` with process.terminal: a pseudo-terminal whose master goes to the caller
// (containerd) over the console socket with SCM_RIGHTS, as runc does; its replica becomes the
// application's stdin/stdout/stderr. The master is not kept: the caller owns it, and resizes
// the terminal on it directly (so window-size changes need nothing from us).
import * as fs from "node:fs";
import { errnoName } from "../../ffi/errno.ts";
import { close, libc, sys } from "../../ffi/libc.ts";
import { AF_UNIX, connectUnix, sendFds, SOCK_CLOEXEC, SOCK_STREAM, socket } from "../../ffi/socket.ts";
import { SYS } from "../../ffi/sysno.ts";
import { ContainerError } from "./state.ts";

const TIOCGPTPEER = 0x5441;
const TIOCSWINSZ = 0x5414;
const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_CLOEXEC = 0o2000000;

type Fn1 = (fd: number) => number;
type Ioctl = (fd: number, req: number, arg: Uint8Array) => number;
let unlockpt: Fn1 | undefined;
let ioctlPtr: Ioctl | undefined;

/**
 * Opens a pty, sends its master to the unix socket at `socketPath`, and returns the replica
 * fd (close-on-exec; the caller places it in boot and closes it). Throws ContainerError.
 */
export function openConsole(socketPath: string, size?: { height: number; width: number }): number {
  unlockpt ??= libc.func("int unlockpt(int)") as Fn1;
  ioctlPtr ??= libc.func("int ioctl(int, unsigned long, void *)") as Ioctl;
  let master: number;
  try {
    master = fs.openSync("/dev/ptmx", O_RDWR | O_NOCTTY);
  } catch (e) {
    throw new ContainerError(`opening /dev/ptmx: ${(e as Error).message}`);
  }
  let replica = -1;
  const sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
  try {
    if (unlockpt(master) !== 0) throw new ContainerError("unlockpt failed");
    replica = sys(SYS.ioctl, master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (replica < 0) throw new ContainerError(`opening the pty replica: ${errnoName(-replica)}`);
    if (size) {
      const ws = new Uint8Array(8);
      const v = new DataView(ws.buffer);
      v.setUint16(0, size.height, true);
      v.setUint16(2, size.width, true);
      ioctlPtr(replica, TIOCSWINSZ, ws);
    }
    if (sock < 0) throw new ContainerError(`console socket: ${errnoName(-sock)}`);
    const c = connectUnix(sock, socketPath);
    if (c < 0) throw new ContainerError(`connecting to the console socket ${socketPath}: ${errnoName(-c)}`);
    const n = sendFds(sock, new TextEncoder().encode("/dev/ptmx"), [master]);
    if (n < 0) throw new ContainerError(`sending the console: ${errnoName(-n)}`);
    const out = replica;
    replica = -1;
    return out;
  } finally {
    if (replica >= 0) close(replica);
    if (sock >= 0) close(sock);
    fs.closeSync(master);
  }
}
