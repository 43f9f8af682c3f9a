// Credentials of a task (real/effective/saved ids, supplementary groups, capability sets).
import { type CapSets, defaultCaps } from "./caps.ts";

/** A task's credentials; copied on clone, never shared mutably. */
export interface Creds extends CapSets {
  uid: number;
  euid: number;
  suid: number;
  gid: number;
  egid: number;
  sgid: number;
  groups: number[];
}

/** Credentials with every id set to `uid`/`gid`; capabilities `caps`, else root's or none. */
export function makeCreds(uid: number, gid: number, caps: CapSets = defaultCaps(uid)): Creds {
  return { uid, euid: uid, suid: uid, gid, egid: gid, sgid: gid, groups: [], ...caps };
}

/** A copy of `c`. */
export function copyCreds(c: Creds): Creds {
  return { ...c, groups: [...c.groups] };
}
