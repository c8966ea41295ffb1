// A reader and runner for shelltestrunner's format 1 (.test files), as Ganeti's
// htools shelltests use it: a command line, optional "<<<" input, ">>>" expected
// stdout, ">>>2" expected stderr (literal lines or /regex/, "!/regex/" negated),
// ">>>=" exit code (N or !N).
import { spawnSync } from "node:child_process";

export type Expect =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "regex"; readonly re: string; readonly negate: boolean };

export interface ShellTest {
  readonly file: string;
  readonly line: number;
  readonly command: string;
  readonly stdin: string | null;
  readonly stdout: Expect | null;
  readonly stderr: Expect | null;
  readonly exit: { readonly code: number; readonly negate: boolean } | null;
}

function parseExpect(first: string, lines: readonly string[], i: number): [Expect, number] {
  const rest = first.trim();
  if (rest.startsWith("/") || rest.startsWith("!/")) {
    const negate = rest.startsWith("!");
    let body = rest.slice(negate ? 2 : 1);
    let k = i;
    while (!body.endsWith("/") || body.endsWith("\\/")) {
      k++;
      if (k >= lines.length) break;
      body += "\n" + lines[k]!;
    }
    return [{ kind: "regex", re: body.slice(0, -1), negate }, k + 1];
  }
  const out: string[] = [];
  let k = i + 1;
  while (k < lines.length && !lines[k]!.startsWith(">>>") && !lines[k]!.startsWith("<<<")) out.push(lines[k++]!);
  if (rest !== "") out.unshift(rest);
  return [{ kind: "literal", text: out.join("\n") }, k];
}

export function parseShellTests(file: string, text: string): ShellTest[] {
  const lines = text.split("\n");
  const tests: ShellTest[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === "" || l.startsWith("#")) {
      i++;
      continue;
    }
    const start = i;
    const command = l;
    let stdin: string | null = null;
    let stdout: Expect | null = null;
    let stderr: Expect | null = null;
    let exit: ShellTest["exit"] = null;
    i++;
    while (i < lines.length) {
      const m = lines[i]!;
      if (m.startsWith("<<<")) {
        const buf: string[] = [];
        i++;
        while (i < lines.length && !lines[i]!.startsWith(">>>")) buf.push(lines[i++]!);
        stdin = buf.join("\n") + "\n";
      } else if (m.startsWith(">>>2")) {
        [stderr, i] = parseExpect(m.slice(4), lines, i);
      } else if (m.startsWith(">>>=")) {
        const v = m.slice(4).trim();
        exit = v.startsWith("!") ? { code: Number(v.slice(1)), negate: true } : { code: Number(v), negate: false };
        i++;
        break;
      } else if (m.startsWith(">>>")) {
        [stdout, i] = parseExpect(m.slice(3), lines, i);
      } else break;
    }
    tests.push({ file, line: start + 1, command, stdin, stdout, stderr, exit });
  }
  return tests;
}

function check(e: Expect | null, actual: string): string | null {
  if (e === null) return null;
  if (e.kind === "literal") {
    const a = actual.replace(/\n$/, "");
    return a === e.text ? null : `expected:\n${e.text}\ngot:\n${a}`;
  }
  const found = new RegExp(e.re, "m").test(actual);
  return found !== e.negate ? null : `${e.negate ? "unexpected match" : "no match"} for /${e.re}/ in:\n${actual}`;
}

export interface RunResult {
  readonly test: ShellTest;
  readonly failures: readonly string[];
}

export function runShellTest(t: ShellTest, cwd: string, env: NodeJS.ProcessEnv): RunResult {
  const r = spawnSync("bash", ["-c", t.command], { cwd, env, input: t.stdin ?? "", encoding: "utf8", timeout: 120_000 });
  const failures: string[] = [];
  const so = check(t.stdout, r.stdout ?? "");
  if (so !== null) failures.push(`stdout: ${so}`);
  const se = check(t.stderr, r.stderr ?? "");
  if (se !== null) failures.push(`stderr: ${se}`);
  if (t.exit !== null) {
    const okExit = (r.status === t.exit.code) !== t.exit.negate;
    if (!okExit) failures.push(`exit code ${r.status}, expected ${t.exit.negate ? "!" : ""}${t.exit.code}\nstderr: ${r.stderr}`);
  }
  return { test: t, failures };
}
