// Credentials of a task (real/effective/saved ids and supplementary groups).

/** A task's credentials; copied on clone, never shared mutably. */
export interface Creds {
  uid: number;
  euid: number;
  suid: number;
  gid: number;
  egid: number;
  sgid: number;
  groups: number[];
}

/** Credentials with every id set to `uid`/`gid`. */
export function makeCreds(uid: number, gid: number): Creds {
  return { uid, euid: uid, suid: uid, gid, egid: gid, sgid: gid, groups: [] };
}

/** A copy of `c`. */
export function copyCreds(c: Creds): Creds {
  return { ...c, groups: [...c.groups] };
}
