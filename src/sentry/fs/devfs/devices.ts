// The memory devices: /dev/null, zero, full, random, urandom (Linux major 1), and /dev/tty
// (5:0) when the Sentry provides the controlling terminal.
import { fillRandom } from "../../../../ffi/random.ts";
import { E } from "../../../../ffi/errno.ts";
import type { VirtualDentry } from "../../vfs/dentry.ts";
import { registerCharDevice } from "../../vfs/device.ts";
import { makedev } from "../../vfs/device.ts";
import { FileDescription } from "../../vfs/file.ts";
import type { FileTask } from "../../vfs/task.ts";
import { openPtyCtty } from "../devpts/jobctl.ts";

/** Device numbers. */
export const DEV_NULL: number = makedev(1, 3);
export const DEV_ZERO: number = makedev(1, 5);
export const DEV_FULL: number = makedev(1, 7);
export const DEV_RANDOM: number = makedev(1, 8);
export const DEV_URANDOM: number = makedev(1, 9);
export const DEV_TTY: number = makedev(5, 0);

/** Behaviour of one memory device. */
const enum Kind {
  Null,
  Zero,
  Full,
  Random,
}

/** An open memory device. Reads and writes ignore the offset, as Linux's. */
class MemDevFile extends FileDescription {
  private readonly kind: Kind;

  constructor(vd: VirtualDentry, flags: number, kind: Kind) {
    super(flags, vd);
    this.kind = kind;
  }

  override pread(_t: FileTask, dst: Uint8Array): number {
    switch (this.kind) {
      case Kind.Null:
        return 0;
      case Kind.Random:
        fillRandom(dst);
        return dst.length;
      default:
        dst.fill(0);
        return dst.length;
    }
  }

  override read(t: FileTask, dst: Uint8Array): number {
    return this.pread(t, dst);
  }

  override pwrite(_t: FileTask, src: Uint8Array): number {
    return this.kind === Kind.Full ? -E.ENOSPC : src.length;
  }

  override write(t: FileTask, src: Uint8Array): number {
    return this.pwrite(t, src);
  }

  /** lseek on memory devices always succeeds and leaves position 0. */
  override seek(): number {
    this.offset = 0;
    return 0;
  }

  override truncate(): number {
    return 0;
  }
}

/** Registers the memory devices' openers (idempotent). */
export function registerMemDevices(): void {
  const reg = (rdev: number, kind: Kind) =>
    registerCharDevice(rdev, (_t, vd, flags) => new MemDevFile(vd, flags, kind));
  reg(DEV_NULL, Kind.Null);
  reg(DEV_ZERO, Kind.Zero);
  reg(DEV_FULL, Kind.Full);
  reg(DEV_RANDOM, Kind.Random);
  reg(DEV_URANDOM, Kind.Random);
}

/**
 * Makes /dev/tty open the task's controlling terminal: a pty made inside when the process
 * controls one, else `tty(t)`, a new reference to the terminal's description (e.g. the
 * HostFile of a tty stdio), or null → ENXIO.
 */
export function registerTty(tty: (t: FileTask) => FileDescription | null): void {
  registerCharDevice(DEV_TTY, (t, vd, flags) => openPtyCtty(t, vd, flags) ?? tty(t) ?? -E.ENXIO);
}
