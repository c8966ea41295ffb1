// Approximations of the Haskell `show` output hail prints at high verbosity
// ("Received request: ...", "Received cluster data: ..."): the same record and
// constructor names, not byte-identical.
import * as C from "../htools/container.js";
import type { Instance } from "../htools/instance.js";
import type { ParsedRequest } from "../htools/iallocator-parse.js";
import type { ClusterData } from "../htools/loader.js";
import { DISK_TEMPLATE_CONS, type InstanceStatus } from "../htools/types.js";

const RUN_ST: Record<InstanceStatus, string> = {
  ADMIN_down: "StatusDown", ADMIN_offline: "StatusOffline", ERROR_down: "ErrorDown", ERROR_up: "ErrorUp",
  ERROR_nodedown: "NodeDown", ERROR_nodeoffline: "NodeOffline", running: "Running", USER_down: "UserDown", ERROR_wrongnode: "WrongNode",
};

const q = (s: string): string => JSON.stringify(s);

export function showInstance(i: Instance): string {
  return (
    `Instance {name = ${q(i.name)}, alias = ${q(i.alias)}, mem = ${i.mem}, dsk = ${i.dsk}, ` +
    `disks = [${i.disks.map((d) => `Disk {dskSize = ${d.size}, dskSpindles = ${d.spindles === null ? "Nothing" : `Just ${d.spindles}`}}`).join(",")}], ` +
    `vcpus = ${i.vcpus}, runSt = ${RUN_ST[i.runSt]}, pNode = ${i.pNode}, sNode = ${i.sNode}, idx = ${i.idx}, ` +
    `movable = ${i.movable ? "True" : "False"}, autoBalance = ${i.autoBalance ? "True" : "False"}, ` +
    `diskTemplate = ${DISK_TEMPLATE_CONS[i.diskTemplate]}, spindleUse = ${i.spindleUse}, allTags = [${i.allTags.map(q).join(",")}], ` +
    `exclTags = [${i.exclTags.map(q).join(",")}], forthcoming = ${i.forthcoming ? "True" : "False"}}`
  );
}

export function showRequest(pr: ParsedRequest): string {
  const rq = pr.request;
  switch (rq.kind) {
    case "allocate":
      return `Allocate (${showInstance(rq.req.inst)}) (AllocDetails ${rq.req.count} ${rq.req.group === null ? "Nothing" : `(Just ${q(rq.req.group)})`})`;
    case "multi-allocate":
      return `MultiAllocate [${rq.reqs.map((r) => `(${showInstance(r.inst)},AllocDetails ${r.count} Nothing)`).join(",")}]`;
    case "relocate":
      return `Relocate ${rq.idx} ${rq.count} [${rq.exNodes.join(",")}]`;
    case "change-group":
      return `ChangeGroup [${rq.idxs.join(",")}] [${rq.gdxs.join(",")}]`;
    case "node-evacuate":
      return `NodeEvacuate [${rq.idxs.join(",")}] ${rq.mode === "all" ? "ChangeAll" : rq.mode === "primary-only" ? "ChangePrimary" : "ChangeSecondary"}`;
    case "allocate-secondary":
      return `AllocateSecondary ${rq.idx}`;
  }
}

export function showCluster(cd: ClusterData): string {
  const insts = C.elems(cd.instances).map((i) => `(${i.idx},${showInstance(i)})`).join(",");
  const nodes = C.elems(cd.nodes).map((n) => `(${n.idx},Node {name = ${q(n.name)}, group = ${n.group}, offline = ${n.offline ? "True" : "False"}})`).join(",");
  const groups = C.elems(cd.groups).map((g) => `(${g.idx},Group {name = ${q(g.name)}, uuid = ${q(g.uuid)}})`).join(",");
  return `ClusterData {cdGroups = fromList [${groups}], cdNodes = fromList [${nodes}], cdInstances = fromList [${insts}], cdTags = [${cd.tags.map(q).join(",")}]}`;
}
