// `state`, `list`, `ps`, `events`: reading a container's state and its host processes.
import * as fs from "node:fs";
import { bootProc, goferProc, refreshed, withContainer } from "../container/container.ts";
import { descendantsOf, statFields, usageOf } from "../container/procs.ts";
import { type ContainerState, ociState, StateStore } from "../container/state.ts";
import type { LifecycleInvocation } from "./lifecycle.ts";
import { writeOut } from "./output.ts";
import { STUB_NAME } from "../../ffi/stub.ts";

/** `runsc state ID`: the OCI state, pretty-printed with 2-space indentation. */
export async function stateMain(inv: LifecycleInvocation<"state">): Promise<number> {
  const s = await withContainer(new StateStore(inv.globals.root), inv.args[0], (st) => st);
  writeOut(JSON.stringify(ociState(s), null, 2) + "\n");
  return 0;
}

/** Pads cells like Go's tabwriter(minwidth 12, padding 3) as runc's list does; last column as is. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 12, c.length + 3);
    });
  }
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join("")).join("\n") +
    "\n";
}

/** runc's `list --format json` entry: the state document with the owner's name. */
const listEntry = (s: ContainerState): Record<string, unknown> => ociState(s, s.owner ?? "");

/** `runsc list [-q] [--format text|json]`: our containers under --root (no locks taken). */
export function listMain(inv: LifecycleInvocation<"list">): Promise<number> {
  const store = new StateStore(inv.globals.root);
  const states: ContainerState[] = [];
  for (const id of store.ids()) {
    try {
      states.push(refreshed(store, store.load(id)));
    } catch {
      // deleted meanwhile, or corrupt: `state ID` tells which
    }
  }
  if (inv.values.quiet) {
    writeOut(states.map((s) => s.id + "\n").join(""));
  } else if (inv.values.format === "json") {
    writeOut(JSON.stringify(states.map(listEntry)) + "\n");
  } else {
    const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]];
    for (const s of states) {
      const e = listEntry(s);
      rows.push([s.id, String(e.pid), s.status, s.bundle, s.created, s.owner ?? ""]);
    }
    writeOut(table(rows));
  }
  return Promise.resolve(0);
}

/**
 * Host pids of the container's processes: the platform's stub processes under boot that hold
 * an application address space, which the Sentry names after the application (comm and command
 * line, ptrace/stubs.ts); the master and waiter stubs keep STUB_NAME. Host pids, as runc
 * reports them, so `docker top` finds them in the host's `ps -ef`.
 */
function containerPids(s: ContainerState): number[] {
  return sandboxPids(s).filter((pid) => comm(pid) !== STUB_NAME);
}

/** Every host process under boot (stubs included). */
function sandboxPids(s: ContainerState): number[] {
  if (s.status !== "running" && s.status !== "paused") return [];
  return descendantsOf(s.pid).map((p) => p.pid);
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

function cmdline(pid: number): string {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const text = raw.split("\0").filter((x) => x !== "").join(" ");
    return text || `[${comm(pid)}]`;
  } catch {
    return "?";
  }
}

/** `runsc ps [--format table|json] ID`. */
export async function psMain(inv: LifecycleInvocation<"ps">): Promise<number> {
  const s = await withContainer(new StateStore(inv.globals.root), inv.args[0], (st) => st);
  const pids = containerPids(s);
  if (inv.values.format === "json") {
    writeOut(JSON.stringify(pids) + "\n");
    return 0;
  }
  const rows = [["UID", "PID", "PPID", "STIME", "TIME", "CMD"]];
  for (const pid of pids) {
    const f = statFields(pid);
    if (f === null) continue;
    let uid = "?";
    try {
      uid = String(fs.statSync(`/proc/${pid}`).uid);
    } catch {
      // gone
    }
    const secs = Math.floor((Number(f[11]) + Number(f[12])) / 100);
    rows.push([uid, String(pid), f[1], f[19], `${secs}s`, cmdline(pid)]);
  }
  writeOut(table(rows));
  return 0;
}

/** One `events --stats` record, from the host processes (boot, gofer, stubs). */
function statsEvent(s: ContainerState): Record<string, unknown> {
  const pids = [bootProc(s).pid, goferProc(s).pid, ...sandboxPids(s).filter((p) => p > 0)];
  const u = usageOf(s.status === "stopped" ? [] : pids);
  return {
    type: "stats",
    id: s.id,
    data: {
      cpu: { usage: { total: u.cpuNs } },
      memory: { usage: { usage: u.rssBytes } },
      pids: { current: containerPids(s).length },
    },
  };
}

/** `runsc events [--stats] [--interval D] ID`: stats now, or every interval until it stops. */
export async function eventsMain(inv: LifecycleInvocation<"events">): Promise<number> {
  const store = new StateStore(inv.globals.root);
  const id = inv.args[0];
  for (;;) {
    const s = await withContainer(store, id, (st) => st);
    writeOut(JSON.stringify(statsEvent(s)) + "\n");
    if (inv.values.stats || s.status === "stopped") return 0;
    await new Promise((r) => setTimeout(r, inv.values.interval));
  }
}
