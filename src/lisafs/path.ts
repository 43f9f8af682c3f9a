// Validation of the root-relative paths that travel in LISAFS requests. The Sentry resolves
// paths itself (symlinks, "..", mount points), so what reaches the gofer is a plain list of
// names; anything else is refused, which is what keeps a compromised Sentry from naming a
// file outside the gofer's root through this protocol.
import { E } from "../../ffi/errno.ts";
import { MAX_PATH } from "./wire.ts";

/** Longest single name (NAME_MAX). */
export const NAME_MAX = 255;

const enc = new TextEncoder();

/**
 * Checks one path component: non-empty, not "." or "..", no "/" and no NUL, at most
 * NAME_MAX bytes. Returns 0 or -errno.
 */
export function checkName(name: string): number {
  if (name === "" || name === "." || name === "..") return -E.EINVAL;
  if (name.includes("/") || name.includes("\0")) return -E.EINVAL;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short names need no encoding to check.
  if (name.length * 3 > NAME_MAX && enc.encode(name).byteLength > NAME_MAX) return -E.ENAMETOOLONG;
  return 0;
}

/**
 * Splits a root-relative path into its components. "" is the root itself (no components).
 * Refused with -EINVAL: absolute paths, empty components ("a//b", trailing "/"), "." and
 * "..", NUL bytes; -ENAMETOOLONG past PATH_MAX or NAME_MAX.
 */
export function splitPath(path: string): string[] | number {
  if (path === "") return [];
  if (enc.encode(path).byteLength >= MAX_PATH) return -E.ENAMETOOLONG;
  const parts = path.split("/");
  for (const p of parts) {
    const r = checkName(p);
    if (r < 0) return r;
  }
  return parts;
}
