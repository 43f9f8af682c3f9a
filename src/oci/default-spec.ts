// The starter config.json that `runsc spec` writes: gVisor's template (which is runc's minus
// the parts a sandbox does not need), with runc's fuller /dev mounts and masked paths so the
// same bundle also runs under runc. `terminal` is false (gVisor's choice): the bundle works
// without a console socket.
import { OCI_SPEC_VERSION } from "../runtime.ts";
import type { Spec } from "./spec.ts";

/** Options of {@link defaultSpec}, from `runsc spec` flags. */
export interface DefaultSpecOptions {
  /** process.args; default `["sh"]`. */
  readonly args?: readonly string[];
  /** process.cwd; must be absolute. Default "/". */
  readonly cwd?: string;
  /** Path of a network namespace to join (sets linux.namespaces[network].path). */
  readonly netns?: string;
}

const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/** Builds the default spec; a fresh object each call (callers may modify it). */
export function defaultSpec(opts: DefaultSpecOptions = {}): Spec {
  const args = opts.args && opts.args.length > 0 ? [...opts.args] : ["sh"];
  return {
    ociVersion: OCI_SPEC_VERSION,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args,
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: opts.cwd ?? "/",
      capabilities: {
        bounding: [...CAPS],
        effective: [...CAPS],
        inheritable: [...CAPS],
        permitted: [...CAPS],
      },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "runsc",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
      },
      {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
      },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    ],
    linux: {
      namespaces: [
        { type: "pid" },
        opts.netns ? { type: "network", path: opts.netns } : { type: "network" },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
      ],
      maskedPaths: [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}
