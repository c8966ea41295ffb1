// The ext template: volumes kept by ExtStorage providers (Ganeti's ganeti-extstorage-interface).
// A provider is a directory in the ExtStorage search path holding the create, attach,
// detach, remove, grow, setinfo and verify scripts and parameters.list (snapshot, open and
// close optional). Ganeti runs them with VOL_NAME, VOL_SIZE, VOL_NEW_SIZE, VOL_METADATA,
// VOL_CNAME, VOL_UUID, EXTP_<param>, ... in the environment; attach prints the device path.
import { spawn } from "node:child_process";
import { mkdir, open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { GanetiPaths } from "../util/paths.js";
import type { DiskSpec, DeviceStatus, StorageDriver } from "./types.js";
import { BlockDeviceError } from "../errors.js";

/** Ganeti's ES_SEARCH_PATH (below the node's root, as the OS search path). */
export function extStorageSearchPath(): string[] {
  return ["/srv/ganeti/extstorage"];
}

/** Ganeti's ES_SCRIPTS, in Ganeti's order, and which of them a provider may lack. */
export const ES_SCRIPTS = ["create", "remove", "grow", "attach", "detach", "setinfo", "verify", "snapshot", "open", "close"] as const;
export type EsAction = (typeof ES_SCRIPTS)[number];
const ES_OPTIONAL: ReadonlySet<EsAction> = new Set(["snapshot", "open", "close"]);
export const ES_PARAMETERS_FILE = "parameters.list";

/** Disk parameters that are Ganeti's own (IDISK_PARAMS), not the provider's ext-params. */
export const IDISK_PARAMS: ReadonlySet<string> = new Set(["size", "spindles", "mode", "adopt", "vg", "metavg", "provider", "name",
  "access", "type"]);

export interface ExtStorageProvider {
  readonly name: string;
  /** The Ganeti-visible directory (below the node's root). */
  readonly path: string;
  /** Real paths of the scripts present (optional ones may be missing). */
  readonly scripts: Readonly<Partial<Record<EsAction, string>>>;
  readonly parameters: ReadonlyArray<readonly [string, string]>;
}

/** One provider as a node diagnoses it (Ganeti's DiagnoseExtStorage tuple). */
export interface ExtStorageDiagnosis {
  readonly name: string;
  readonly path: string;
  readonly status: boolean;
  readonly diagnose: string;
  readonly parameters: ReadonlyArray<readonly [string, string]>;
}

type Found = { ok: true; provider: ExtStorageProvider } | { ok: false; why: string };

/** Ganeti's FindFile accepts plain names only (no path separators, no dot files). */
function validName(name: string): boolean {
  return name !== "" && !name.includes("/") && !name.startsWith(".") && name !== "..";
}

/** Ganeti's _CheckExtStorageFile: the file's real path, null if optional and missing, else why not. */
async function checkFile(paths: GanetiPaths, dir: string, file: string, required: boolean, script: boolean):
  Promise<{ path: string | null } | { why: string }> {
  const real = join(paths.root, dir, file);
  let st;
  try {
    st = await stat(real);
  } catch (e) {
    if (!required) return { path: null };
    return { why: `File '${file}' under path '${dir}' is missing (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  if (!st.isFile()) return { why: `File '${file}' under path '${dir}' is not a regular file` };
  if (script && (st.mode & 0o100) === 0) return { why: `File '${file}' under path '${dir}' is not executable` };
  return { path: real };
}

function parseParameters(text: string): Array<[string, string]> {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "").map((l) => {
    const sp = l.search(/\s/);
    return sp < 0 ? [l, ""] : [l.slice(0, sp), l.slice(sp).trim()];
  });
}

/** Ganeti's ExtStorageFromDisk: the provider `name` from one directory (or the search path). */
export async function extStorageFromDisk(paths: GanetiPaths, name: string, baseDir?: string): Promise<Found> {
  let dir: string | null = null;
  if (validName(name)) {
    for (const base of baseDir !== undefined ? [baseDir] : extStorageSearchPath()) {
      const st = await stat(join(paths.root, base, name)).catch(() => null);
      if (st?.isDirectory() === true) {
        dir = join(base, name);
        break;
      }
    }
  }
  if (dir === null) return { ok: false, why: `Directory for External Storage Provider ${name} not found in search path` };
  const scripts: Partial<Record<EsAction, string>> = {};
  for (const s of ES_SCRIPTS) {
    const r = await checkFile(paths, dir, s, !ES_OPTIONAL.has(s), true);
    if ("why" in r) return { ok: false, why: r.why };
    if (r.path !== null) scripts[s] = r.path;
  }
  const pf = await checkFile(paths, dir, ES_PARAMETERS_FILE, true, false);
  if ("why" in pf) return { ok: false, why: pf.why };
  let text: string;
  try {
    text = await readFile(pf.path ?? "", "utf8");
  } catch (e) {
    return { ok: false, why: `Error while reading the EXT parameters file at ${join(dir, ES_PARAMETERS_FILE)}: ` +
      `${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  return { ok: true, provider: { name, path: dir, scripts, parameters: parseParameters(text) } };
}

/** Ganeti's DiagnoseExtStorage: every (potential) provider in the search path. */
export async function diagnoseExtStorage(paths: GanetiPaths): Promise<ExtStorageDiagnosis[]> {
  const out: ExtStorageDiagnosis[] = [];
  for (const dir of extStorageSearchPath()) {
    let names: string[];
    try {
      names = (await readdir(join(paths.root, dir))).filter((n) => !n.startsWith(".")).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const r = await extStorageFromDisk(paths, name, dir);
      out.push(r.ok ? { name, path: join(dir, name), status: true, diagnose: "", parameters: r.provider.parameters }
        : { name, path: join(dir, name), status: false, diagnose: r.why, parameters: [] });
    }
  }
  return out;
}

/** What an action needs beyond the volume itself (Ganeti's _ExtStorageEnvironment arguments). */
export interface EsActionArgs {
  readonly size?: number;
  readonly grow?: number;
  readonly metadata?: string;
  readonly snapName?: string;
  readonly snapSize?: number;
  readonly exclusive?: boolean;
}

/** The volume an ext disk names: logical_id = [provider, volume name]. */
export function extVolume(disk: Pick<DiskSpec, "logical_id">): { provider: string; volume: string } {
  const [provider, volume] = disk.logical_id;
  if (typeof provider !== "string" || typeof volume !== "string" || disk.logical_id.length !== 2) {
    throw new BlockDeviceError(`Invalid configuration data ${JSON.stringify(disk.logical_id)}`);
  }
  return { provider, volume };
}

/** Ganeti's _ExtStorageEnvironment. */
export function extStorageEnvironment(disk: Pick<DiskSpec, "logical_id" | "uuid" | "name" | "params">, a: EsActionArgs = {}):
  Record<string, string> {
  const env: Record<string, string> = { VOL_NAME: extVolume(disk).volume };
  // As Python's str(): booleans True/False, numbers as written.
  for (const [k, v] of Object.entries(disk.params ?? {})) {
    env[`EXTP_${k.toUpperCase()}`] = typeof v === "string" ? v : typeof v === "boolean" ? (v ? "True" : "False") : JSON.stringify(v);
  }
  if (a.size !== undefined) env["VOL_SIZE"] = String(a.size);
  if (a.grow !== undefined) env["VOL_NEW_SIZE"] = String(a.grow);
  if (a.metadata !== undefined) env["VOL_METADATA"] = a.metadata;
  if (disk.name !== undefined && disk.name !== null) env["VOL_CNAME"] = disk.name;
  if (disk.uuid !== "") env["VOL_UUID"] = disk.uuid;
  if (a.snapName !== undefined) env["VOL_SNAPSHOT_NAME"] = a.snapName;
  if (a.snapSize !== undefined) env["VOL_SNAPSHOT_SIZE"] = String(a.snapSize);
  if (a.exclusive !== undefined) env["VOL_OPEN_EXCLUSIVE"] = a.exclusive ? "True" : "False";
  return env;
}

function timestamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}_${p(d.getMinutes())}_${p(d.getSeconds())}_` +
    `${p(d.getMilliseconds() * 1000, 6)}`;
}

/** Runs a script: its output to `logFile` (or captured, for attach); resolves to stdout and the failure, if any. */
function runScript(script: string, cwd: string, env: Record<string, string>, logFile: string | null):
  Promise<{ failReason: string | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    void (async () => {
      const log = logFile !== null ? await open(logFile, "a") : null;
      const fd = log?.fd;
      const child = spawn(script, [], {
        cwd, env: { ...process.env, LC_ALL: "C", ...env },
        stdio: ["ignore", fd ?? "pipe", fd ?? "pipe"],
      });
      let stdout = "";
      let output = "";
      child.stdout?.on("data", (b: Buffer) => {
        stdout += b.toString();
        output += b.toString();
      });
      child.stderr?.on("data", (b: Buffer) => {
        output += b.toString();
      });
      child.once("error", (e) => {
        void log?.close();
        reject(new BlockDeviceError(`Can't run ${script}: ${e.message}`));
      });
      child.once("close", (code, signal) => {
        void log?.close();
        const failReason = code === 0 ? null : signal !== null ? `terminated by signal ${signal}` : `exited with exit code ${String(code)}`;
        resolve({ failReason, stdout, output });
      });
    })().catch(reject);
  });
}

/**
 * Ganeti's _ExtStorageAction: runs the provider's script for `action` on the disk's volume.
 * Output goes to var/log/ganeti/extstorage/<action>-<provider>-<volume>-<time>.log (attach's
 * is captured); a failure carries the last 20 lines. Returns attach's stdout; a missing
 * optional script is skipped.
 */
export async function extStorageAction(paths: GanetiPaths, action: EsAction, disk: Pick<DiskSpec, "logical_id" | "uuid" | "name" | "params">,
  a: EsActionArgs = {}): Promise<string> {
  const { provider, volume } = extVolume(disk);
  const found = await extStorageFromDisk(paths, provider);
  if (!found.ok) throw new BlockDeviceError(found.why);
  const script = found.provider.scripts[action];
  if (script === undefined) return ""; // optional action the provider does not implement
  let logFile: string | null = null;
  if (action !== "attach") {
    const logDir = join(paths.logDir, "extstorage");
    await mkdir(logDir, { recursive: true });
    logFile = join(logDir, `${action}-${provider}-${volume.replaceAll("/", "_")}-${timestamp()}.log`);
  }
  const r = await runScript(script, join(paths.root, found.provider.path), extStorageEnvironment(disk, a), logFile);
  if (r.failReason !== null) {
    const text = logFile !== null ? await readFile(logFile, "utf8").catch(() => "") : r.output;
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    throw new BlockDeviceError(`External storage's ${action} script failed (${r.failReason}), last lines of output:\n` +
      lines.slice(-20).join("\n"));
  }
  return r.stdout;
}

/** Ganeti's ExtStorageDevice.Attach: the device path (and userspace URIs), null if not usable here. */
export async function extAttach(paths: GanetiPaths, disk: DiskSpec): Promise<{ path: string; uris: string[]; size: number } | null> {
  const out = (await extStorageAction(paths, "attach", disk)).split("\n");
  if (out[out.length - 1] === "") out.pop();
  const devPath = (out[0] ?? "").trim();
  const uris = out.slice(1).map((l) => l.trim()).filter((l) => l !== "");
  if (devPath === "") return uris.length > 0 ? { path: "", uris, size: disk.size } : null;
  const st = await stat(devPath).catch(() => null);
  // A block device, as Ganeti wants; a regular file too (nodes without loop devices, such as the devcluster's).
  if (st === null || !(st.isBlockDevice() || st.isFile())) return null;
  return { path: devPath, uris, size: st.isFile() ? Math.floor(st.size / 1048576) : disk.size };
}

/** Ganeti's SetInfo: the metadata text, made safe for the provider (at most 128 characters). */
export function extInfoText(text: string): string {
  return text.replace(/^[^A-Za-z0-9_+.]/, "_").replace(/[^-A-Za-z0-9_+.]/g, "_").slice(0, 128);
}

export const extStorage: StorageDriver & {
  shutdown(paths: GanetiPaths, disk: DiskSpec): Promise<void>;
  open(paths: GanetiPaths, disk: DiskSpec, exclusive: boolean): Promise<void>;
  setInfo(paths: GanetiPaths, disk: DiskSpec, text: string): Promise<void>;
} = {
  async create(paths, disk) {
    await extStorageAction(paths, "create", disk, { size: disk.size });
    const att = await extAttach(paths, disk);
    if (att === null) throw new BlockDeviceError(`Can't attach to extstorage device ${extVolume(disk).volume} after creating it`);
    return att.path;
  },
  async remove(paths, disk) {
    // As Ganeti: a volume that can't be attached is not there to remove.
    const att = await extAttach(paths, disk).catch(() => null);
    if (att === null) return;
    await extStorageAction(paths, "detach", disk);
    await extStorageAction(paths, "remove", disk);
  },
  // Ganeti's ExtStorageDevice.Rename does nothing, which would leave the configuration
  // naming a volume that is not there: refused instead.
  async rename() {
    throw new BlockDeviceError("Rename is not supported for ExtStorage disks");
  },
  async find(paths, disk): Promise<DeviceStatus | null> {
    const att = await extAttach(paths, disk);
    return att === null ? null : { path: att.path, size: att.size, degraded: false };
  },
  async grow(paths, disk, amount, dryRun) {
    if ((await extAttach(paths, disk)) === null) throw new BlockDeviceError("Can't attach to extstorage device during Grow()");
    if (dryRun) return; // Ganeti does not dry-run resizes of ext volumes
    await extStorageAction(paths, "grow", disk, { size: disk.size, grow: disk.size + amount });
  },
  async shutdown(paths, disk) {
    const att = await extAttach(paths, disk).catch(() => null);
    if (att === null) return;
    await extStorageAction(paths, "detach", disk);
  },
  async open(paths, disk, exclusive) {
    await extStorageAction(paths, "open", disk, { exclusive });
  },
  async setInfo(paths, disk, text) {
    await extStorageAction(paths, "setinfo", disk, { metadata: extInfoText(text) });
  },
  /**
   * Ganeti's ExtStorageDevice.Snapshot: the provider's snapshot script. Ganeti skips a
   * missing (optional) script and reports a snapshot that was never taken; here it is refused.
   */
  async snapshot(paths, disk, opts) {
    const { provider, volume } = extVolume(disk);
    const found = await extStorageFromDisk(paths, provider);
    if (!found.ok) throw new BlockDeviceError(found.why);
    if (found.provider.scripts.snapshot === undefined) {
      throw new BlockDeviceError(`ExtStorage provider '${provider}' can't take snapshots (it has no snapshot script)`);
    }
    const name = opts.name ?? `${volume}.snap`;
    await extStorageAction(paths, "snapshot", disk, { snapName: name, snapSize: opts.size ?? disk.size });
    return [provider, name];
  },
};

