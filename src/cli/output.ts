// Synchronous writes to stdout/stderr: the CLI exits right after printing, and a pending
// asynchronous write would be lost; a closed pipe (EPIPE) must not become an error of its own.
import { Buffer } from "node:buffer";
import * as fs from "node:fs";

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, "utf8");
  let off = 0;
  let spins = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A non-blocking pipe that is full: retry (bounded; the reader is another process).
      if (code === "EAGAIN" && spins++ < 100_000) continue;
      return; // EPIPE and friends: nobody is reading, nothing useful to do
    }
  }
}

/** Writes `text` to stdout. */
export function writeOut(text: string): void {
  writeAll(1, text);
}

/** Writes `text` to stderr. */
export function writeErr(text: string): void {
  writeAll(2, text);
}
