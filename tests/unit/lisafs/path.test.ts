// Root-relative path validation: what the gofer accepts from the Sentry.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { E } from "../../../ffi/errno.ts";
import { checkName, splitPath } from "../../../src/lisafs/path.ts";

describe("splitPath", () => {
  it("maps the empty path to the root (no components)", () => {
    assert.deepEqual(splitPath(""), []);
  });

  it("splits plain relative paths into names", () => {
    assert.deepEqual(splitPath("usr/bin/env"), ["usr", "bin", "env"]);
    assert.deepEqual(splitPath("a b/ü.txt"), ["a b", "ü.txt"]);
  });

  for (const bad of ["/etc/passwd", "..", "a/..", "../x", "a/../b", ".", "a/.", "a//b", "a/", "x\0y"]) {
    it(`refuses ${JSON.stringify(bad)} with EINVAL`, () => {
      assert.equal(splitPath(bad), -E.EINVAL);
    });
  }

  it("refuses over-long names and paths with ENAMETOOLONG", () => {
    assert.equal(splitPath("a".repeat(256)), -E.ENAMETOOLONG);
    assert.deepEqual(splitPath("a".repeat(255)), ["a".repeat(255)]);
    assert.equal(splitPath(Array(1100).fill("abc").join("/")), -E.ENAMETOOLONG);
  });
});

describe("checkName", () => {
  it("accepts ordinary names including dotfiles", () => {
    assert.equal(checkName(".bashrc"), 0);
    assert.equal(checkName("..."), 0);
  });
  it("refuses separators, NUL, dot and dot-dot", () => {
    for (const n of ["", ".", "..", "a/b", "a\0"]) assert.equal(checkName(n), -E.EINVAL, n);
  });
});
