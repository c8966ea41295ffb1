// gnt-instance info's text, as Ganeti's ShowInstanceConfig prints OP_INSTANCE_QUERY_DATA's
// answer: nodes and groups, OS/hypervisor/backend parameters (own or "default (...)"),
// NICs, and every disk with its status on the primary and secondary node.
import { formatTime, formatUnit, pyStr } from "../query/format.js";
import { Pairs, formatParamsDictInfo, type GenericInfo } from "./generic-info.js";

type Status = [string, number | null, number | null, number | null, number | null, boolean, string];

interface Dev {
  iv_name: string | null; dev_type: string; logical_id: unknown[] | null; size: number; mode: string | null; spindles: number | null;
  name: string | null; uuid: string | null; pstatus: Status | null; sstatus: Status | null; children: Dev[];
  drbd_info: { primary_node: string; primary_minor: number; secondary_node: string; secondary_minor: number; port: number } | null;
}

export interface InstanceData {
  name: string; uuid: string; serial_no: number; ctime: number; mtime: number; config_state: string; run_state: string | null;
  pnode: string; pnode_group_name: string; pnode_group_uuid: string; snodes: string[]; snodes_group_names: string[]; snodes_group_uuids: string[];
  os: string; os_instance: Record<string, unknown>; os_actual: Record<string, unknown>; network_port?: number | null; hypervisor: string;
  hv_instance: Record<string, unknown>; hv_actual: Record<string, unknown>; be_instance: Record<string, unknown>; be_actual: Record<string, unknown>;
  nics: Array<[string | null, string | null, string | null, string, string | null, string | null, unknown, string | null, { name: string } | null]>;
  disk_template: string; disks: Dev[];
}

const LDS_FAULTY = "faulty";
const LDS_UNKNOWN = "unknown";

/** One line of a device's status on a node ("path (major:minor) in sync, status ok"). */
function statusText(devType: string, st: Status): string {
  const [path, major, minor, syncp, estt, degr, ldisk] = st;
  let txt = `${path} (${major === null ? "N/A" : major}:${minor === null ? "N/A" : minor})`;
  if (devType === "drbd") {
    const sync = syncp !== null ? `*RECOVERING* ${syncp.toFixed(2).padStart(5)}%,${estt ? ` ETA ${estt}s` : " ETA unknown"}` : "in sync";
    const ldiskText = ldisk === LDS_FAULTY ? " *MISSING DISK*" : ldisk === LDS_UNKNOWN ? " *UNCERTAIN STATE*" : "";
    txt += ` ${sync}, status ${degr ? "*DEGRADED*" : "ok"}${ldiskText}`;
  } else if (devType === "plain" && ldisk === LDS_FAULTY) {
    txt += " *FAILED* (failed drive?)";
  }
  return txt;
}

function devInfo(idx: number, top: boolean, dev: Dev): Pairs {
  const head = top ? dev.iv_name ?? `disk ${idx}` : `child ${idx}`;
  const out: Array<readonly [string, GenericInfo]> = [[head, `${dev.dev_type}, size ${formatUnit(dev.size, "h")}`]];
  if (top) {
    if (dev.spindles !== null) out.push(["spindles", dev.spindles]);
    out.push(["access mode", dev.mode]);
  }
  if (dev.logical_id !== null) {
    if (dev.dev_type === "drbd" && dev.drbd_info !== null) {
      const d = dev.drbd_info;
      out.push(["nodeA", `${d.primary_node}, minor=${d.primary_minor}`], ["nodeB", `${d.secondary_node}, minor=${d.secondary_minor}`],
        ["port", String(d.port)]);
    } else if (dev.dev_type === "plain") {
      out.push(["logical_id", `${String(dev.logical_id[0])}/${String(dev.logical_id[1])}`]);
    } else {
      out.push(["logical_id", pyStr(dev.logical_id)]);
    }
  }
  if (dev.pstatus !== null) out.push(["on primary", statusText(dev.dev_type, dev.pstatus)]);
  if (dev.sstatus !== null) out.push(["on secondary", statusText(dev.dev_type, dev.sstatus)]);
  out.push(["name", dev.name], ["UUID", dev.uuid]);
  if (dev.children.length > 0) out.push(["child devices", dev.children.map((c, i) => devInfo(i, false, c))]);
  return new Pairs(out);
}

/** Ganeti's _FormatInstanceInfo. */
export function instanceInfo(inst: InstanceData): Pairs {
  const state = `configured to be ${inst.config_state}${inst.run_state !== null ? `, actual state is ${inst.run_state}` : ""}`;
  const secs = inst.snodes.map((n, i) => `${n} (group ${inst.snodes_group_names[i] ?? ""}, group UUID ${inst.snodes_group_uuids[i] ?? ""})`).join(", ");
  const info: Array<readonly [string, GenericInfo]> = [
    ["Instance name", inst.name], ["UUID", inst.uuid], ["Serial number", String(inst.serial_no)],
    ["Creation time", formatTime(inst.ctime)], ["Modification time", formatTime(inst.mtime)], ["State", state],
    ["Nodes", [new Pairs([["primary", inst.pnode], ["group", `${inst.pnode_group_name} (UUID ${inst.pnode_group_uuid})`]]),
      new Pairs([["secondaries", secs]])]],
    ["Operating system", inst.os],
    ["Operating system parameters", formatParamsDictInfo(inst.os_instance, inst.os_actual)],
  ];
  if ("network_port" in inst) info.push(["Allocated network port", pyStr(inst.network_port)]);
  info.push(["Hypervisor", inst.hypervisor]);
  // Ganeti still shows the deprecated "memory" (= maxmem) among the backend parameters.
  const beActual = { ...inst.be_actual, memory: inst.be_actual["maxmem"] };
  info.push(
    ["Hypervisor parameters", formatParamsDictInfo(inst.hv_instance, inst.hv_actual)],
    ["Back-end parameters", formatParamsDictInfo(inst.be_instance, beActual)],
    ["NICs", inst.nics.map(([name, uuid, ip, mac, mode, link, vlan, , netinfo], i) => new Pairs([
      [`nic/${i}`, ""], ["MAC", mac], ["IP", pyStr(ip)], ["mode", pyStr(mode)], ["link", pyStr(link)], ["vlan", pyStr(vlan)],
      ["network", pyStr(netinfo?.name ?? null)], ["UUID", pyStr(uuid)], ["name", pyStr(name)],
    ]))],
    ["Disk template", inst.disk_template],
    ["Disks", inst.disks.map((d, i) => devInfo(i, true, d))],
  );
  return new Pairs(info);
}
