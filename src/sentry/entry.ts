// How the sandbox (runsc boot) starts the Sentry. Placeholder until the ptrace platform lands.
import type { GoferClient } from "../lisafs/api.ts";

/** Everything the Sentry needs to run one container's init process. */
export interface SentryConfig {
  /** argv[0] is resolved against PATH from `env` inside the sandbox, like execvp. */
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  /** Root filesystem served by the gofer (lower layer; writes go to an in-memory overlay). */
  readonly gofer: GoferClient;
  /** Host fds the Sentry uses as the application's stdin, stdout, stderr. */
  readonly stdio: readonly [number, number, number];
  readonly uid: number;
  readonly gid: number;
  readonly hostname: string;
  readonly platform: "ptrace" | "kvm";
  readonly strace: boolean;
}

/**
 * Runs the init process and everything it starts until the init process exits; returns the
 * exit status in the shell's convention (code, or 128+signal).
 */
export function runSentry(_cfg: SentryConfig): number {
  throw new Error("the Sentry is not built yet");
}
