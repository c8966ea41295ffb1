// Name expansion as Ganeti does it (utils.MatchNameComponent): a name matches exactly,
// or as the leading dot-separated components of exactly one known name ("node1" and
// "node1.example" match "node1.example.com", "node1.ex" does not).

import type { ConfigData, Instance, Node, NodeGroup } from "./types.js";

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The single name in `names` that `key` designates, or undefined (none or ambiguous). */
export function matchNameComponent(key: string, names: readonly string[], caseSensitive = true): string | undefined {
  if (names.includes(key)) return key;
  const re = new RegExp(`^${escapeRegExp(key)}(\\..*)?$`, caseSensitive ? "" : "i");
  const filtered: string[] = [];
  const exactIgnoringCase: string[] = [];
  for (const name of names) {
    if (re.test(name)) {
      filtered.push(name);
      if (!caseSensitive && key.toUpperCase() === name.toUpperCase()) exactIgnoringCase.push(name);
    }
  }
  if (exactIgnoringCase.length === 1) return exactIgnoringCase[0];
  if (filtered.length === 1) return filtered[0];
  return undefined;
}

function findByName<T extends { readonly name: string; readonly uuid: string }>(
  items: Readonly<Record<string, T>>, name: string, expand: boolean,
): T | undefined {
  // A uuid is accepted wherever a name is, as Ganeti's ExpandNodeUuidAndName does.
  const byUuid = items[name];
  if (byUuid !== undefined) return byUuid;
  const all = Object.values(items);
  const exact = all.find((x) => x.name === name);
  if (exact !== undefined || !expand) return exact;
  const full = matchNameComponent(name, all.map((x) => x.name));
  return full === undefined ? undefined : all.find((x) => x.name === full);
}

export function findNodeByName(cfg: ConfigData, name: string): Node | undefined {
  return findByName(cfg.nodes, name, true);
}

export function findInstanceByName(cfg: ConfigData, name: string): Instance | undefined {
  return findByName(cfg.instances, name, true);
}

/** Groups are not expanded: Ganeti looks them up by exact name or uuid. */
export function findGroupByName(cfg: ConfigData, name: string): NodeGroup | undefined {
  return findByName(cfg.nodegroups, name, false);
}
