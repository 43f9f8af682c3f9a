// Synthetic inodes for procfs: directories whose entries are computed per call, files whose
// contents are generated at open (a snapshot, so one read loop sees consistent text), and
// symlinks with computed targets, optionally "magic" (followed to an object, not a path).
import { E } from "../../../../ffi/errno.ts";
import { dtype, O_ACCMODE, O_RDONLY, S_IFDIR, S_IFLNK, S_IFREG } from "../../vfs/consts.ts";
import { Dentry, VirtualDentry } from "../../vfs/dentry.ts";
import { FileDescription } from "../../vfs/file.ts";
import { type DirEntry, type Filesystem, Inode, type StatInfo } from "../../vfs/inode.ts";
import type { FileTask } from "../../vfs/task.ts";

/** Computes a child inode by name, or null when absent. */
export type ChildFn = (t: FileTask, name: string) => Inode | null;
/** Lists child names. */
export type ListFn = (t: FileTask) => readonly string[];

/** A directory of computed entries. */
export class SynthDir extends Inode {
  private readonly list: ListFn;
  private readonly child: ChildFn;

  /** A directory listing `list` whose children come from `child`. */
  constructor(fs: Filesystem, ino: number, mode: number, list: ListFn, child: ChildFn, uid = 0, gid = 0) {
    super(fs, ino, S_IFDIR | mode, uid, gid);
    this.list = list;
    this.child = child;
  }

  override lookup(t: FileTask, name: string): Inode | number {
    return this.child(t, name) ?? -E.ENOENT;
  }

  override readdir(t: FileTask): DirEntry[] {
    const r: DirEntry[] = [];
    for (const name of this.list(t)) {
      const c = this.child(t, name);
      if (c !== null) r.push({ name, ino: c.ino, type: dtype(c.mode) });
    }
    return r;
  }
}

/** Generates a file's contents. */
export type GenFn = (t: FileTask) => string | Uint8Array | number;

/** A read-only file whose text is generated at open. */
export class SynthFile extends Inode {
  private readonly gen: GenFn;

  /** A file with contents from `gen`. */
  constructor(fs: Filesystem, ino: number, gen: GenFn, mode = 0o444, uid = 0, gid = 0) {
    super(fs, ino, S_IFREG | mode, uid, gid);
    this.gen = gen;
  }

  override open(t: FileTask, vd: VirtualDentry, flags: number): FileDescription | number {
    if ((flags & O_ACCMODE) !== O_RDONLY) return -E.EACCES;
    const c = this.gen(t);
    if (typeof c === "number") return c;
    return new SnapshotFile(vd, flags, typeof c === "string" ? new TextEncoder().encode(c) : c);
  }

  override readAt(dst: Uint8Array, pos: number): number {
    const c = this.gen(null as unknown as FileTask);
    if (typeof c === "number") return c;
    const b = typeof c === "string" ? new TextEncoder().encode(c) : c;
    if (pos >= b.length) return 0;
    const n = Math.min(dst.length, b.length - pos);
    dst.set(b.subarray(pos, pos + n));
    return n;
  }
}

/** The open file of a SynthFile: reads from the bytes taken at open. */
export class SnapshotFile extends FileDescription {
  private readonly bytes: Uint8Array;

  /** A file over `bytes`. */
  constructor(vd: VirtualDentry, flags: number, bytes: Uint8Array) {
    super(flags, vd);
    this.bytes = bytes;
  }

  override pread(_t: FileTask, dst: Uint8Array, pos: number): number {
    if (pos >= this.bytes.length) return 0;
    const n = Math.min(dst.length, this.bytes.length - pos);
    dst.set(this.bytes.subarray(pos, pos + n));
    return n;
  }

  protected override endOffset(): number {
    return this.bytes.length;
  }
}

/** Computes a link target (readlink text), or -errno. */
export type TargetFn = (t: FileTask) => string | number;
/** Resolves a magic link to where it leads, or -errno. */
export type FollowFn = (t: FileTask, at: VirtualDentry) => VirtualDentry | number;

/** A symlink with a computed target; magic when `follow` is given. */
export class SynthLink extends Inode {
  private readonly target: TargetFn;
  private readonly follow: FollowFn | null;

  /** A link reading `target`; following it uses `follow` when given, else the text. */
  constructor(
    fs: Filesystem,
    ino: number,
    target: TargetFn,
    follow: FollowFn | null = null,
    uid = 0,
    gid = 0,
  ) {
    super(fs, ino, S_IFLNK | 0o777, uid, gid);
    this.target = target;
    this.follow = follow;
  }

  override readlink(t: FileTask): string | number {
    return this.target(t);
  }

  override followLink(t: FileTask, at: VirtualDentry): VirtualDentry | number | null {
    return this.follow === null ? null : this.follow(t, at);
  }
}

/**
 * An inode standing for an already open file without a path (a pipe, a host tty): opening
 * it through /proc/[pid]/fd/N shares the description, as reopening a pipe reaches the same
 * pipe on Linux.
 */
export class OpenFileInode extends Inode {
  readonly file: FileDescription;

  /** Stands for `file`. */
  constructor(fs: Filesystem, ino: number, file: FileDescription) {
    const st = file.stat();
    super(fs, ino, (typeof st === "number" ? S_IFREG : st.mode & 0o170000) | 0o666, 0, 0);
    this.file = file;
  }

  override stat(): StatInfo {
    const st = this.file.stat();
    return typeof st === "number" ? super.stat() : st;
  }

  override open(): FileDescription {
    this.file.incRef();
    return this.file;
  }
}

/** Where a magic link to open file `f` leads: its path, or the file itself. */
export function fileTarget(fs: Filesystem, f: FileDescription, at: VirtualDentry): VirtualDentry {
  if (f.vd !== null) return f.vd;
  const i = new OpenFileInode(fs, at.inode.ino, f);
  return new VirtualDentry(at.mount, new Dentry(at.dentry.parent, at.dentry.name, i));
}
