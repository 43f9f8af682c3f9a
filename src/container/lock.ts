// Per-container lock: every runsc invocation that reads-modifies-writes a container's state holds
// it, so `start` racing `delete` (or two `create`s with one id) are serialised as runc does.
import * as fs from "node:fs";
import { flock, LOCK_EX } from "../../ffi/flock.ts";

/** A held lock; release() is idempotent. */
export interface HeldLock {
  release(): void;
}

/**
 * Takes the exclusive lock file `file`, creating it if needed. The lock file may be removed by
 * `delete` while we wait for it; after acquiring we check that the path still names the file we
 * locked and retry otherwise, so a waiter never holds a lock on an unlinked file.
 */
export function lockFile(file: string): HeldLock {
  for (;;) {
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
    flock(fd, LOCK_EX);
    let same = false;
    try {
      const a = fs.fstatSync(fd);
      const b = fs.lstatSync(file);
      same = a.ino === b.ino && a.dev === b.dev;
    } catch {
      same = false;
    }
    if (same) {
      let held = true;
      return {
        release(): void {
          if (!held) return;
          held = false;
          fs.closeSync(fd);
        },
      };
    }
    fs.closeSync(fd);
  }
}
