// Tags on the cluster, node groups, nodes, instances and networks.
import type { ConfigData } from "../objects/types.js";
import { LogicalUnit, expandName } from "./base.js";
import type { OpOutcome } from "../jobs/queue.js";
import { OpPrereqError, ErrorCode, TagError } from "../errors.js";
import { MAX_TAG_LEN, MAX_TAGS_PER_OBJ, TagKind } from "../constants.js";

const TAG_RE = /^[\w.+*/:@-]+$/;

export function validateTag(tag: string): void {
  if (tag.length > MAX_TAG_LEN) throw new TagError(`Tag too long (>${MAX_TAG_LEN} characters)`);
  if (tag.length === 0) throw new TagError("Tags cannot be empty");
  if (!TAG_RE.test(tag)) throw new TagError("Tag contains invalid characters");
}

type Tagged = { tags?: readonly string[] };
type Collection = "nodes" | "nodegroups" | "instances" | "networks";
const COLLECTION: Record<string, Collection> = {
  [TagKind.node]: "nodes", [TagKind.nodegroup]: "nodegroups", [TagKind.instance]: "instances", [TagKind.network]: "networks",
};

function locate(cfg: ConfigData, kind: string, name: unknown): { coll: Collection | null; uuid: string; tags: readonly string[] } {
  if (kind === TagKind.cluster) return { coll: null, uuid: "", tags: cfg.cluster.tags ?? [] };
  const coll = COLLECTION[kind];
  if (coll === undefined) throw new OpPrereqError(`Wrong tag type requested (${kind})`, ErrorCode.inval);
  const items = Object.values((cfg[coll] ?? {}) as Record<string, { name: string; uuid: string } & Tagged>);
  const obj = expandName(items, String(name));
  if (obj === null) throw new OpPrereqError(`${kind === TagKind.nodegroup ? "Node group" : kind[0]?.toUpperCase() + kind.slice(1)} '${String(name)}' not known`, ErrorCode.noent);
  return { coll, uuid: obj.uuid, tags: obj.tags ?? [] };
}

function setTags(cfg: ConfigData, kind: string, name: unknown, tags: readonly string[]): ConfigData {
  const loc = locate(cfg, kind, name);
  if (loc.coll === null) return { ...cfg, cluster: { ...cfg.cluster, tags: [...tags], serial_no: (cfg.cluster.serial_no ?? 0) + 1 } };
  const coll = { ...(cfg[loc.coll] as Record<string, Tagged & { serial_no?: number }>) };
  const cur = coll[loc.uuid];
  if (cur !== undefined) coll[loc.uuid] = { ...cur, tags: [...tags], serial_no: (cur.serial_no ?? 0) + 1 };
  return { ...cfg, [loc.coll]: coll } as ConfigData;
}

export class LUTagsGet extends LogicalUnit {
  override readonly reqBgl = false;
  checkPrereq(): void {
    locate(this.cfg, String(this.op["kind"]), this.op["name"]);
  }
  async exec(): Promise<OpOutcome> {
    return { result: [...locate(this.cfg, String(this.op["kind"]), this.op["name"]).tags].sort() };
  }
}

export class LUTagsSet extends LogicalUnit {
  checkPrereq(): void {
    const tags = (this.op["tags"] as string[] | undefined) ?? [];
    for (const t of tags) validateTag(t);
    const loc = locate(this.cfg, String(this.op["kind"]), this.op["name"]);
    if (new Set([...loc.tags, ...tags]).size > MAX_TAGS_PER_OBJ) throw new TagError("Too many tags");
  }
  async exec(): Promise<OpOutcome> {
    const kind = String(this.op["kind"]);
    const tags = (this.op["tags"] as string[] | undefined) ?? [];
    await this.env.config.update((cfg) => {
      const cur = locate(cfg, kind, this.op["name"]).tags;
      return setTags(cfg, kind, this.op["name"], [...new Set([...cur, ...tags])].sort());
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}

export class LUTagsDel extends LogicalUnit {
  checkPrereq(): void {
    const tags = (this.op["tags"] as string[] | undefined) ?? [];
    for (const t of tags) validateTag(t);
    const cur = new Set(locate(this.cfg, String(this.op["kind"]), this.op["name"]).tags);
    const missing = tags.filter((t) => !cur.has(t));
    if (missing.length > 0) {
      throw new OpPrereqError(`Tag(s) ${missing.map((t) => `'${t}'`).join(", ")} not found`, ErrorCode.noent);
    }
  }
  async exec(): Promise<OpOutcome> {
    const kind = String(this.op["kind"]);
    const del = new Set((this.op["tags"] as string[] | undefined) ?? []);
    await this.env.config.update((cfg) => {
      const cur = locate(cfg, kind, this.op["name"]).tags;
      return setTags(cfg, kind, this.op["name"], cur.filter((t) => !del.has(t)));
    }, (w) => this.logWarning(w));
    return { result: null };
  }
}

/** Ganeti's LUTagsSearch: every tag matching the pattern, with the path of its object. */
export class LUTagsSearch extends LogicalUnit {
  override readonly reqBgl = false;
  private re!: RegExp;
  checkPrereq(): void {
    const pattern = String(this.op["pattern"]);
    try {
      this.re = new RegExp(pattern);
    } catch (e) {
      throw new OpPrereqError(`Invalid search pattern '${pattern}': ${(e as Error).message}`, ErrorCode.inval);
    }
  }
  async exec(): Promise<OpOutcome> {
    const cfg = this.cfg;
    const targets: Array<[string, readonly string[]]> = [["/cluster", cfg.cluster.tags ?? []]];
    const add = (kind: string, objs: Iterable<{ name: string; tags?: readonly string[] }>): void => {
      for (const o of objs) targets.push([`/${kind}/${o.name}`, o.tags ?? []]);
    };
    add("instances", Object.values(cfg.instances));
    add("nodes", Object.values(cfg.nodes));
    add("nodegroup", Object.values(cfg.nodegroups));
    add("network", Object.values(cfg.networks));
    return { result: targets.flatMap(([path, tags]) => tags.filter((t) => this.re.test(t)).map((t) => [path, t])) };
  }
}
