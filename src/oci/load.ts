// Reading and validating a bundle's config.json, with errors that name the file or the field.
import * as fs from "node:fs";
import * as path from "node:path";
import * as v from "valibot";
import { describeIssue, type Process, ProcessSchema, type Spec, SpecSchema } from "./spec.ts";

/** config.json could not be read, parsed or validated. The message is one line for the user. */
export class SpecError extends Error {
  override readonly name = "SpecError";
}

/** "ENOENT: no such file or directory" from a Node fs error (without the path Node appends). */
export function fsErrorText(e: unknown): string {
  return e instanceof Error ? e.message.split(", ")[0] : String(e);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new SpecError(`${what}: reading ${file}: ${fsErrorText(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SpecError(`${what}: parsing ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Validates a parsed config.json; throws SpecError `loading spec: <field>: <problem>`. */
export function validateSpec(doc: unknown): Spec {
  const r = v.safeParse(SpecSchema, doc);
  if (!r.success) throw new SpecError(`loading spec: ${describeIssue(r.issues[0])}`);
  return r.output;
}

/**
 * Loads `<bundleDir>/config.json`. Throws SpecError, e.g.
 * `loading spec: process.args: expected array, got string`.
 */
export function loadSpec(bundleDir: string): Spec {
  return validateSpec(readJson(path.join(bundleDir, "config.json"), "loading spec"));
}

/** Loads an OCI process spec (`exec --process FILE`); throws SpecError. */
export function loadProcess(file: string): Process {
  const doc = readJson(file, "loading process spec");
  const r = v.safeParse(ProcessSchema, doc);
  if (!r.success) throw new SpecError(`loading process spec: ${describeIssue(r.issues[0], "process")}`);
  return r.output;
}
