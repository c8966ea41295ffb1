// The configuration writer: one in-memory config.data on the master, changed only through
// update(), which bumps the serial number, writes the file atomically and durably, and
// pushes it to every online master candidate (and ssconf to every online node) before the
// change counts as made.
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

/** Pushes config.data to candidates and ssconf to all online nodes; returns the failures. */
export async function distributeConfig(rpc: RpcClient, cfg: ConfigData, text: string, selfUuid: string | null,
  opts: { ssconfOnly?: boolean; toNodes?: readonly Node[] } = {}): Promise<string[]> {
  const nodes = opts.toNodes ?? Object.values(cfg.nodes);
  const online = nodes.filter((n) => !n.offline);
  const candidates = online.filter((n) => n.master_candidate && n.uuid !== selfUuid);
  const ss = computeSsconf(cfg);
  const errors: string[] = [];
  const [cfgRes, ssRes] = await Promise.all([
    opts.ssconfOnly === true ? Promise.resolve(new Map()) :
      rpc.callMany(candidates.map(nodeTarget), "upload_file", { file: DistributableFile.configData, content: text }),
    rpc.callMany(online.map(nodeTarget), "write_ssconf_files", { values: ss }),
  ]);
  for (const r of cfgRes.values()) if (!r.ok) errors.push(`Copy of file config.data to node ${r.node} failed: ${r.failMsg}`);
  for (const r of ssRes.values()) if (!r.ok) errors.push(`ssconf update on node ${r.node} failed: ${r.failMsg}`);
  return errors;
}

export class ConfigStore {
  private cfg: ConfigData;
  private text: string;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly listeners: Array<(prev: ConfigData, next: ConfigData) => Promise<void>> = [];

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
    const run = async (): Promise<ConfigData> => {
      const next = change(this.cfg);
      if (next === this.cfg) return this.cfg;
      const stamped: ConfigData = {
        ...next,
        serial_no: this.cfg.serial_no + 1,
        mtime: Date.now() / 1000,
      };
      const text = serializeConfigData(stamped);
      await atomicWrite(this.paths.configFile, text, { mode: 0o640 });
      const prev = this.cfg;
      this.cfg = stamped;
      this.text = text;
      await this.distribute(warn, extraTargets);
      for (const l of this.listeners) await l(prev, stamped);
      return stamped;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Pushes the current config everywhere (gnt-cluster redist-conf). */
  async distribute(warn: Warn, extraTargets: readonly Node[] = []): Promise<void> {
    const nodes = [...Object.values(this.cfg.nodes), ...extraTargets.filter((n) => this.cfg.nodes[n.uuid] === undefined)];
    const errs = await distributeConfig(this.rpc, this.cfg, this.text, this.cfg.cluster.master_node, { toNodes: nodes });
    for (const e of errs) warn(e);
  }
}
