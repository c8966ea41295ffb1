// The configuration writer: one in-memory config.data on the master, changed only through
// update(), which bumps the serial number, writes the file atomically and durably, and
// pushes it to every online master candidate (and ssconf to every online node) before the
// change counts as made. Changes that arrive while a write is under way are applied in
// order and committed together by the next write (group commit): each caller still
// returns only once its change is durable everywhere.
import { readFile } from "node:fs/promises";
import type { ConfigData, Node } from "../objects/types.js";
import { parseConfigData, serializeConfigData } from "../objects/config-data.js";
import { atomicWrite } from "../util/fs.js";
import type { GanetiPaths } from "../util/paths.js";
import { computeSsconf } from "./ssconf-values.js";
import type { RpcClient, RpcTarget } from "../rpc/client.js";
import { DistributableFile } from "../rpc/catalogue.js";
import { ConfigurationError } from "../errors.js";

export type Warn = (msg: string) => void;

export function nodeTarget(n: Node): RpcTarget {
  return { name: n.name, ip: n.primary_ip, offline: n.offline };
}

export async function readConfigFile(paths: GanetiPaths): Promise<ConfigData> {
  let text: string;
  try {
    text = await readFile(paths.configFile, "utf8");
  } catch (e) {
    throw new ConfigurationError(`Cannot read ${paths.configFile}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigurationError(`Cannot parse ${paths.configFile}: ${(e as Error).message}`);
  }
  return parseConfigData(json);
}

/** What a node last acknowledged of ssconf: its values, and the node's serial number then. */
interface SsconfAck {
  readonly nodeSerial: number;
  readonly values: Readonly<Record<string, string>>;
}

/** Per node, the ssconf it holds. Lost on restart: the first push after it is complete. */
export type SsconfAcks = Map<string, SsconfAck>;

/** The keys whose values differ from what the node acknowledged; all of them when unknown. */
function ssconfToSend(n: Node, ss: Readonly<Record<string, string>>, acks: SsconfAcks | undefined): Record<string, string> {
  const ack = acks?.get(n.uuid);
  if (ack === undefined || ack.nodeSerial !== n.serial_no) return { ...ss };
  return Object.fromEntries(Object.entries(ss).filter(([k, v]) => ack.values[k] !== v));
}

/**
 * Pushes config.data to candidates and ssconf to all online nodes; returns the failures.
 * With `acks`, a node gets only the ssconf keys that changed since it last acknowledged
 * (most changes touch one key, e.g. the instance list): a file write spared per key, and
 * no call at all when nothing changed for it. A node that failed, or changed since (readd,
 * role), gets every key again.
 */
export async function distributeConfig(rpc: RpcClient, cfg: ConfigData, text: string, selfUuid: string | null,
  opts: { ssconfOnly?: boolean; toNodes?: readonly Node[]; acks?: SsconfAcks } = {}): Promise<string[]> {
  const nodes = opts.toNodes ?? Object.values(cfg.nodes);
  const online = nodes.filter((n) => !n.offline);
  const candidates = online.filter((n) => n.master_candidate && n.uuid !== selfUuid);
  const ss = computeSsconf(cfg);
  const ssErrors: string[] = [];
  const pushSsconf = async (n: Node): Promise<void> => {
    const values = ssconfToSend(n, ss, opts.acks);
    if (Object.keys(values).length === 0) return;
    const r = await rpc.call(nodeTarget(n), "write_ssconf_files", { values });
    if (r.ok) opts.acks?.set(n.uuid, { nodeSerial: n.serial_no, values: ss });
    else {
      opts.acks?.delete(n.uuid);
      ssErrors.push(`ssconf update on node ${r.node} failed: ${r.failMsg}`);
    }
  };
  const [cfgRes] = await Promise.all([
    opts.ssconfOnly === true ? Promise.resolve(new Map()) :
      rpc.callMany(candidates.map(nodeTarget), "upload_file", { file: DistributableFile.configData, content: text }),
    Promise.all(online.map(pushSsconf)),
  ]);
  const errors: string[] = [];
  for (const r of cfgRes.values()) if (!r.ok) errors.push(`Copy of file config.data to node ${r.node} failed: ${r.failMsg}`);
  return [...errors, ...ssErrors];
}

interface PendingChange {
  change(cfg: ConfigData): ConfigData;
  warn: Warn;
  extraTargets: readonly Node[];
  resolve(cfg: ConfigData): void;
  reject(e: unknown): void;
}

export class ConfigStore {
  private cfg: ConfigData;
  private text: string;
  private readonly pending: PendingChange[] = [];
  private flushing = false;
  private readonly listeners: Array<(prev: ConfigData, next: ConfigData) => Promise<void>> = [];
  private readonly ssconfAcks: SsconfAcks = new Map();

  private constructor(private readonly paths: GanetiPaths, private readonly rpc: RpcClient, cfg: ConfigData, text: string) {
    this.cfg = cfg;
    this.text = text;
  }

  static async open(paths: GanetiPaths, rpc: RpcClient): Promise<ConfigStore> {
    const cfg = await readConfigFile(paths);
    return new ConfigStore(paths, rpc, cfg, serializeConfigData(cfg));
  }

  /** Called after each change is written and distributed (before update() resolves). */
  onChange(l: (prev: ConfigData, next: ConfigData) => Promise<void>): void {
    this.listeners.push(l);
  }

  /** The current configuration: immutable, safe to read without locks. */
  get(): ConfigData {
    return this.cfg;
  }

  serialized(): string {
    return this.text;
  }

  masterNode(): Node {
    const n = this.cfg.nodes[this.cfg.cluster.master_node];
    if (n === undefined) throw new ConfigurationError("Master node not found in the configuration");
    return n;
  }

  /**
   * Applies a change. Changes are serialised; `change` gets the latest config and returns
   * the new one (or the same object for no change). Resolves after the new config is on
   * disk here and pushed to the candidates; distribution failures go to `warn`.
   */
  update(change: (cfg: ConfigData) => ConfigData, warn: Warn = () => undefined,
    extraTargets: readonly Node[] = []): Promise<ConfigData> {
    return new Promise((resolve, reject) => {
      this.pending.push({ change, warn, extraTargets, resolve, reject });
      if (!this.flushing) void this.flushLoop();
    });
  }

  /** Applies the waiting changes in order, then writes and distributes them at once. */
  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        let cfg = this.cfg;
        const applied: PendingChange[] = [];
        for (const p of batch) {
          try {
            const next = p.change(cfg);
            if (next !== cfg) cfg = { ...next, serial_no: cfg.serial_no + 1, mtime: Date.now() / 1000 };
            applied.push(p);
          } catch (e) {
            p.reject(e);
          }
        }
        if (cfg === this.cfg) {
          for (const p of applied) p.resolve(cfg);
          continue;
        }
        try {
          const text = serializeConfigData(cfg);
          await atomicWrite(this.paths.configFile, text, { mode: 0o640 });
          const prev = this.cfg;
          this.cfg = cfg;
          this.text = text;
          const extra = applied.flatMap((p) => p.extraTargets);
          await this.distribute((w) => { for (const p of applied) p.warn(w); }, extra);
          for (const l of this.listeners) await l(prev, cfg);
          for (const p of applied) p.resolve(cfg);
        } catch (e) {
          for (const p of applied) p.reject(e);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The next push sends every ssconf key to every node (gnt-cluster redist-conf). */
  forgetSsconfAcks(): void {
    this.ssconfAcks.clear();
  }

  private async distribute(warn: Warn, extraTargets: readonly Node[] = []): Promise<void> {
    const nodes = [...Object.values(this.cfg.nodes), ...extraTargets.filter((n) => this.cfg.nodes[n.uuid] === undefined)];
    const errs = await distributeConfig(this.rpc, this.cfg, this.text, this.cfg.cluster.master_node,
      { toNodes: nodes, acks: this.ssconfAcks });
    for (const e of errs) warn(e);
  }
}
