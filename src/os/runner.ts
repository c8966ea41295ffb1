// Running an OS definition's scripts with Ganeti's OS environment (backend.OSEnvironment),
// logging their output under var/log/ganeti/os/.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { GanetiPaths } from "../util/paths.js";
import { diagnoseOses } from "./definition.js";
import { GenericError } from "../errors.js";

export interface OsInstance {
  readonly name: string;
  readonly uuid: string;
  readonly os: string;
  readonly hypervisor: string;
  readonly primary_node: string;
  readonly disks: ReadonlyArray<{ readonly uuid: string; readonly dev_type: string; readonly logical_id: readonly unknown[];
    readonly size: number; readonly mode: string; readonly name: string | null;
    /** ext: the device path the provider's attach printed. */
    readonly dev_path?: string;
    readonly children?: ReadonlyArray<{ readonly dev_type: string; readonly logical_id: readonly unknown[] }> }>;
  readonly nics: ReadonlyArray<{ readonly mac: string; readonly uuid: string; readonly ip: string | null;
    readonly mode: string; readonly link: string; readonly name: string | null;
    /** The NIC's network as NETWORK_NAME, NETWORK_UUID, ... (without the NIC_i_ prefix). */
    readonly network_env?: Readonly<Record<string, string>> }>;
  readonly beparams: Readonly<Record<string, unknown>>;
  readonly hvparams: Readonly<Record<string, unknown>>;
  readonly osparams: Readonly<Record<string, unknown>>;
}

function osEnvironment(paths: GanetiPaths, inst: OsInstance, api: number, variant: string, debug: number): Record<string, string> {
  const env: Record<string, string> = {
    ...osCoreEnv(inst.os.split("+")[0] ?? inst.os, api, variant, inst.osparams, debug),
    INSTANCE_NAME: inst.name,
    INSTANCE_OS: inst.os,
    INSTANCE_UUID: inst.uuid,
    INSTANCE_PRIMARY_NODE: inst.primary_node,
    INSTANCE_SECONDARY_NODES: "",
    HYPERVISOR: inst.hypervisor,
    DISK_COUNT: String(inst.disks.length),
    NIC_COUNT: String(inst.nics.length),
  };
  inst.disks.forEach((d, i) => {
    env[`DISK_${i}_ACCESS`] = d.mode;
    env[`DISK_${i}_UUID`] = d.uuid;
    env[`DISK_${i}_SIZE`] = String(d.size);
    const path = diskPath(paths, d);
    if (path !== "") {
      env[`DISK_${i}_PATH`] = path;
      // Ganeti: "file:DRIVER" for file volumes, else "block" (our drbd keeps its data in a file).
      const backing = d.dev_type === "drbd" ? d.children?.[0] : d;
      env[`DISK_${i}_BACKEND_TYPE`] = backing?.dev_type === "file" || backing?.dev_type === "sharedfile" ? `file:${String(backing.logical_id[0])}` : "block";
    }
    if (d.name !== null) env[`DISK_${i}_NAME`] = d.name;
  });
  inst.nics.forEach((n, i) => {
    env[`NIC_${i}_MAC`] = n.mac;
    env[`NIC_${i}_UUID`] = n.uuid;
    if (n.ip !== null) env[`NIC_${i}_IP`] = n.ip;
    env[`NIC_${i}_MODE`] = n.mode;
    if (n.mode === "bridged") env[`NIC_${i}_BRIDGE`] = n.link;
    if (n.link !== "") env[`NIC_${i}_LINK`] = n.link;
    if (n.name !== null) env[`NIC_${i}_NAME`] = n.name;
    for (const [k, v] of Object.entries(n.network_env ?? {})) env[`NIC_${i}_${k}`] = v;
  });
  for (const [k, v] of Object.entries(inst.beparams)) env[`INSTANCE_BE_${k}`] = String(v);
  for (const [k, v] of Object.entries(inst.hvparams)) env[`INSTANCE_HV_${k}`] = String(v);
  return env;
}

/** A disk's local path as the OS scripts get it (drbd: its data volume, which the daemon mirrors). */
export function diskPath(paths: GanetiPaths, d: OsInstance["disks"][number]): string {
  if (d.dev_type === "ext") return d.dev_path ?? "";
  if (d.dev_type === "blockdev") return String(d.logical_id[1]); // the adopted device itself
  const backing = d.dev_type === "drbd" ? d.children?.[0] : d;
  const volume = backing?.logical_id[1];
  if (backing === undefined || typeof volume !== "string") return "";
  // plain: the logical volume's device node; file volumes live below the node's root.
  return backing.dev_type === "plain" ? `/dev/${String(backing.logical_id[0])}/${volume}` : join(paths.root, volume);
}

/** Runs `script` (create, rename, ...) of the instance's OS; returns the log file's path. */
export async function runOsScript(paths: GanetiPaths, script: "create" | "rename" | "export" | "import", inst: OsInstance,
  debug = 0, extraEnv: Readonly<Record<string, string>> = {}): Promise<string> {
  const [osName, variantGiven] = inst.os.split("+") as [string, string | undefined];
  const os = (await diagnoseOses(paths)).find((o) => o.name === osName);
  if (os === undefined || !os.status) {
    throw new GenericError(`OS '${osName}' not found or invalid on this node${os !== undefined ? `: ${os.diagnose}` : ""}`);
  }
  const api = Math.max(...os.api_versions);
  const variant = api >= 15 && os.variants.length > 0 ? variantGiven ?? os.variants[0] ?? "" : "";
  if (variantGiven !== undefined && !os.variants.includes(variantGiven)) {
    throw new GenericError(`OS '${osName}' has no variant '${variantGiven}' (variants: ${os.variants.join(", ")})`);
  }
  const logDir = join(paths.logDir, "os");
  await mkdir(logDir, { recursive: true });
  const logFile = join(logDir, `${script === "create" ? "add" : script}-${osName}-${inst.name}-${Date.now()}.log`);
  const log = await open(logFile, "w");
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(join(paths.root, os.path, script), [], {
        cwd: join(paths.root, os.path), env: { ...osEnvironment(paths, inst, api, variant, debug), ...extraEnv }, stdio: ["ignore", log.fd, log.fd],
      });
      child.once("error", reject);
      child.once("exit", (c) => resolve(c));
    });
    if (code !== 0) {
      const tail = (await readFile(logFile, "utf8")).trim().split("\n").slice(-10).join("\n");
      throw new GenericError(`OS ${script} script failed (exited with exit code ${String(code)}), last lines in the log file:\n${tail}`);
    }
  } finally {
    await log.close();
  }
  return logFile;
}

/**
 * Starts an OS script with a pipe on stdin or stdout (the export script's output, the
 * import script's input, as Ganeti's import/export daemons use them); stderr goes to a
 * log. Resolves to the child and a promise of its exit, which fails on a non-zero code.
 */
export async function spawnOsScript(paths: GanetiPaths, script: "export" | "import", inst: OsInstance, extraEnv: Readonly<Record<string, string>>):
  Promise<{ child: ChildProcess; done: Promise<void> }> {
  const [osName, variantGiven] = inst.os.split("+") as [string, string | undefined];
  const os = (await diagnoseOses(paths)).find((o) => o.name === osName);
  if (os === undefined || !os.status) throw new GenericError(`OS '${osName}' not found or invalid on this node`);
  const api = Math.max(...os.api_versions);
  const variant = api >= 15 && os.variants.length > 0 ? variantGiven ?? os.variants[0] ?? "" : "";
  const logDir = join(paths.logDir, "os");
  await mkdir(logDir, { recursive: true });
  const logFile = join(logDir, `${script}-${osName}-${inst.name}-${Date.now()}.log`);
  const log = await open(logFile, "w");
  const child = spawn(join(paths.root, os.path, script), [], {
    cwd: join(paths.root, os.path), env: { ...osEnvironment(paths, inst, api, variant, 0), ...extraEnv },
    stdio: script === "export" ? ["ignore", "pipe", log.fd] : ["pipe", "ignore", log.fd],
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      void log.close();
      if (code === 0) resolve();
      else reject(new GenericError(`OS ${script} script failed (exited with exit code ${String(code)}); see ${logFile}`));
    });
  });
  return { child, done };
}

/** The OS scripts' core environment (Ganeti's OSCoreEnv): API version, name, variant, OSP_* parameters. */
function osCoreEnv(osName: string, api: number, variant: string, osparams: Readonly<Record<string, unknown>>, debug = 0): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/sbin:/sbin:/usr/bin:/bin", OS_API_VERSION: String(api), OS_NAME: osName, OS_VARIANT: variant, DEBUG_LEVEL: String(debug),
  };
  for (const [k, v] of Object.entries(osparams)) env[`OSP_${k.toUpperCase().replaceAll("-", "_")}`] = String(v);
  return env;
}

/**
 * Ganeti's ValidateOS: the OS exists here, the variant is one it has, and (API 20) the
 * parameters are ones it declares and its verify script accepts them. Returns false when
 * the OS is missing and not `required`.
 */
export async function validateOs(paths: GanetiPaths, required: boolean, fullName: string, checks: readonly string[],
  osparams: Readonly<Record<string, unknown>>, forceVariant: boolean): Promise<boolean> {
  const unknown = checks.filter((c) => c !== "parameters");
  if (unknown.length > 0) throw new GenericError(`Unknown checks required for OS ${fullName}: ${unknown.join(", ")}`);
  const [osName, variant] = fullName.split("+") as [string, string | undefined];
  const os = (await diagnoseOses(paths)).find((o) => o.name === osName);
  if (os === undefined || !os.status) {
    if (!required) return false;
    throw new GenericError(os === undefined ? `OS dir not found in search path` : os.diagnose);
  }
  if (!forceVariant) {
    if (os.variants.length === 0 && variant !== undefined) throw new GenericError(`OS '${osName}' does not support variants ('${variant}' passed)`);
    if (os.variants.length > 0 && variant === undefined) throw new GenericError(`OS name '${fullName}' must include a variant`);
    if (variant !== undefined && os.variants.length > 0 && !os.variants.includes(variant)) {
      throw new GenericError(`OS '${osName}' does not support variant '${variant}'`);
    }
  }
  const api = Math.max(...os.api_versions);
  if (api < 20) return true;
  if (checks.includes("parameters")) {
    const supported = new Set(os.parameters.map(([p]) => p));
    const extra = Object.keys(osparams).filter((p) => !supported.has(p));
    if (extra.length > 0) throw new GenericError(`The following parameters are not supported by the OS ${osName}: ${extra.join(", ")}`);
  }
  const dir = join(paths.root, os.path);
  const env = osCoreEnv(osName, api, api >= 15 && os.variants.length > 0 ? variant ?? os.variants[0] ?? "" : "", osparams);
  const script = join(dir, "verify");
  const memoKey = await verifyMemoKey(script, checks, env);
  if (memoKey !== null && passedRecently(memoKey)) return true;
  const res = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(script, [...checks], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
  if (res.code !== 0) {
    throw new GenericError(`OS validation script failed (exited with exit code ${String(res.code)}), output: ${res.output.trim()}`);
  }
  if (memoKey !== null) verifyPassed.set(memoKey, Date.now() + VERIFY_MEMO_MS);
  return true;
}

/**
 * Verify runs that passed, by their whole input: the script file (device, inode, size,
 * mtime, ctime), the checks and the environment. Creating many instances asks the same
 * question once per instance, and a process start costs 5–30 ms of the node daemon's time
 * (more than the rest of an add's work on the node); the same question within
 * VERIFY_MEMO_MS gets the same answer. Failures are never remembered, and an edited or
 * replaced script is a new question; files the script itself reads are not watched, so an
 * edit to them is seen within VERIFY_MEMO_MS.
 */
const verifyPassed = new Map<string, number>();
const VERIFY_MEMO_MS = 30_000;

async function verifyMemoKey(script: string, checks: readonly string[], env: Readonly<Record<string, string>>): Promise<string | null> {
  try {
    const st = await stat(script);
    return JSON.stringify([script, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs, checks, Object.entries(env).sort()]);
  } catch {
    return null; // no script: the run below says so
  }
}

function passedRecently(key: string): boolean {
  const now = Date.now();
  for (const [k, until] of verifyPassed) if (until <= now) verifyPassed.delete(k);
  return verifyPassed.has(key);
}
