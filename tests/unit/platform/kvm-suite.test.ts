// The ptrace platform's differential suite, run again with platform "kvm": the same static C
// programs per subsystem, busybox sh scripts, dynamic glibc coreutils, python3 and node must
// print the same and exit the same natively and under the Sentry on the KVM platform.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { kvmSuite } from "./kvm-here.ts";
import { existsSync } from "node:fs";
import { compile, runNative, type RunResult, runUnderSentry } from "../sentry/helpers.ts";

/** The shared helper's run with platform "kvm"; fails clearly where there is no KVM. */
function runUnderKvm(argv: string[], env: string[]): RunResult {
  assert.ok(existsSync("/dev/kvm"), "/dev/kvm is missing: the kvm suite needs KVM (PVM or VMX/SVM)");
  return runUnderSentry(argv, env, undefined, "kvm");
}

const ENV = { PATH: "/usr/bin:/bin", HOME: "/root", LC_ALL: "C" };
const envList = (e: Record<string, string>): string[] => Object.entries(e).map(([k, v]) => `${k}=${v}`);

/** Runs argv natively and under kvm; stdout and status (and stderr unless told) must match. */
function same(argv: string[], opts: { stderr?: boolean; env?: Record<string, string> } = {}): void {
  assert.ok(existsSync(argv[0]), `${argv[0]} is missing`);
  const env = opts.env ?? ENV;
  const native = runNative(argv, env);
  const ours = runUnderKvm(argv, envList(env));
  assert.equal(ours.stdout, native.stdout, argv.join(" "));
  assert.equal(ours.status, native.status, `${argv.join(" ")}: status; stderr ${ours.stderr}`);
  if (opts.stderr !== false) assert.equal(ours.stderr, native.stderr, argv.join(" "));
}

describe("static C programs on the kvm platform", kvmSuite, () => {
  const progs: [string, string[]][] = [
    ["hello", []],
    ["procs", ["-pthread"]],
    ["cow", ["-pthread"]],
    ["timers", ["-pthread"]],
    ["signals", []],
    ["pipes", []],
    ["files", []],
    ["mmap", []],
    ["sock_unix", []],
    ["sock_inet", []],
  ];
  for (const [name, flags] of progs) {
    it(name, () => same([compile(name, flags)], { stderr: name !== "hello" ? false : true }));
  }
});

describe("busybox sh on the kvm platform", kvmSuite, () => {
  // busybox's "Terminated" job notice on stderr depends on when it sees the child's death
  // (natively too): stderr is compared only for scripts without a killed background job.
  const sh = (script: string, stderr = true) => same(["/bin/busybox", "sh", "-c", script], { stderr });
  it("pipelines, loops, functions, subshells", () => {
    sh(`printf 'b\\na\\nc\\n' | sort | tr a-z A-Z | head -2; echo one two three | wc -w
      seq 1 200 | grep 7 | tail -3; yes | head -3 | cat -n
      i=0; while [ $i -lt 5 ]; do i=$((i+1)); echo w$i; done
      f() { echo "args $# $1"; return 3; }; f p q; echo rc=$?
      (cd /etc; pwd); pwd; (exit 3); echo $?; echo "$(echo outer $(echo inner))"`);
  });
  it("traps, background jobs, wait and kill", () => {
    sh(
      `trap 'echo got USR1' USR1; kill -USR1 $$; echo after
      sleep 0.1 & a=$!; (sleep 0.05; exit 4) & b=$!; wait $b; echo b=$?; wait $a; echo a=$?
      sleep 5 & p=$!; kill $p; wait $p; echo killed=$?; trap 'echo bye' EXIT; echo last`,
      false,
    );
  });
  it("redirections, here-documents, files, exit by signal", () => {
    sh(`d=$(mktemp -d); echo one > $d/f; echo two >> $d/f; cat $d/f; wc -l < $d/f
      while read a b; do echo "[$b] [$a]"; done <<END
x y
END
      cat $d/f | sort -r > $d/g; cat $d/g; rm -r $d; ls $d 2>/dev/null || echo gone`);
    sh(`kill -TERM $$; echo not reached`);
  });
});

describe("dynamic glibc programs on the kvm platform", kvmSuite, () => {
  it("ls -la /etc", () => {
    // The host's /etc is live (other processes write it): a difference must persist to fail.
    const run = () => ({
      native: runNative(["/bin/ls", "-la", "/etc"], ENV),
      ours: runUnderKvm(["/bin/ls", "-la", "/etc"], envList(ENV)),
    });
    let r = run();
    for (let i = 0; i < 2 && r.ours.stdout !== r.native.stdout; i++) r = run();
    assert.equal(r.ours.stdout, r.native.stdout);
    assert.equal(r.ours.status, r.native.status);
  });
  it("sort, sha256sum", () => {
    same(["/usr/bin/sort", "-t:", "-k3n", "/etc/passwd"]);
    same(["/usr/bin/sha256sum", "/etc/passwd", "/bin/ls"]);
  });
  it("find, and tar czf | tar tzf (gzip child, pipes)", () => {
    same(["/usr/bin/find", "/usr/share/doc/busybox-static"]);
    same([
      "/bin/sh",
      "-c",
      "f=/tmp/runsc-kvm-tar.$$.tgz; tar czf $f /etc/apt && tar tzf $f | wc -l; rm -f $f",
    ]);
  });
});

describe("interpreters on the kvm platform", kvmSuite, () => {
  it("python3 -c", () => {
    same([
      "/usr/bin/python3",
      "-c",
      "import hashlib,json,os,threading\n" +
      "r=[]\nt=[threading.Thread(target=lambda i=i: r.append(i*i)) for i in range(4)]\n" +
      "[x.start() for x in t]; [x.join() for x in t]\n" +
      "print(sorted(r), json.dumps({'a': 1.5}), hashlib.sha256(b'x').hexdigest()[:16], sum(range(10**5)))",
    ]);
  });
  it("node -e", () => {
    same([
      "/usr/bin/node",
      "-e",
      "const c=require('crypto');let s=0;for(let i=0;i<1e6;i++)s+=i;" +
      "setTimeout(()=>console.log(s, c.createHash('sha256').update('x').digest('hex').slice(0,16), JSON.stringify([1,{b:2}])), 10)",
    ]);
  });
});
