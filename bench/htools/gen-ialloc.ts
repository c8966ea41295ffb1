// Writes iallocator requests for the hail benchmark, built from the generated uneven
// clusters of test/htools/gen.ts (N nodes, 16 instances per node, mixed drbd/plain,
// crowded on a quarter of the nodes), in the JSON of Ganeti 2.x/3.0's iallocator
// protocol: node dist/bench/htools/gen-ialloc.js DIR [N ...]
// Per size: allocN-drbd.json (one new drbd instance), allocN-plain.json,
// relocN.json (a new secondary for a drbd instance).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unevenCluster } from "../../test/htools/gen.js";

const SPEC = { "nic-count": 1, "disk-size": 1024, "memory-size": 128, "cpu-count": 1, "disk-count": 1, "spindle-use": 1 };
const IPOLICY = {
  std: SPEC,
  minmax: [
    {
      min: { ...SPEC, "disk-size": 128 },
      max: { "nic-count": 8, "disk-size": 1048576, "memory-size": 32768, "cpu-count": 8, "disk-count": 16, "spindle-use": 8 },
    },
  ],
  "vcpu-ratio": 4.0,
  "disk-templates": ["sharedfile", "diskless", "plain", "blockdev", "drbd", "file", "rbd"],
  "spindle-ratio": 32.0,
};

function cluster(n: number): { nodes: Record<string, unknown>; instances: Record<string, unknown>; drbd: string } {
  const [, nodeText, instText] = unevenCluster(n).split("\n\n") as [string, string, string];
  const nodes: Record<string, unknown> = {};
  for (const line of nodeText.split("\n")) {
    const [name, tMem, nMem, fMem, tDsk, fDsk, tCpu] = line.split("|") as string[];
    nodes[name!] = {
      total_disk: Number(tDsk), total_cpus: Number(tCpu), group: "uuid-group-1",
      secondary_ip: "192.168.2.1", i_pri_up_memory: 0, tags: [], master_candidate: true,
      free_memory: Number(fMem), ndparams: { spindle_count: 1, oob_program: null, exclusive_storage: false },
      reserved_memory: Number(nMem), reserved_cpus: 1, master_capable: true, free_disk: Number(fDsk),
      drained: false, total_memory: Number(tMem), primary_ip: "192.168.1.1", i_pri_memory: 0,
      free_spindles: 1000, total_spindles: 1000, vm_capable: true, offline: false,
    };
  }
  const instances: Record<string, unknown> = {};
  let drbd = "";
  for (const line of instText.split("\n").filter((l) => l !== "")) {
    const [name, mem, dsk, vcpus, , , p, s, tmpl] = line.split("|") as string[];
    if (tmpl === "drbd" && drbd === "") drbd = name!;
    instances[name!] = {
      disks: [{ spindles: 1, mode: "rw", size: Number(dsk) }], disk_space_total: Number(dsk),
      hypervisor: "xen-pvm", tags: [], nics: [{ ip: null, mac: "aa:00:00:00:00:01", link: "xen-br0", mode: "bridged", bridge: "xen-br0" }],
      vcpus: Number(vcpus), admin_state: "up", admin_state_source: "admin", disk_template: tmpl,
      spindle_use: 1, memory: Number(mem), nodes: s === "" ? [p] : [p, s], os: "debian-image",
    };
  }
  return { nodes, instances, drbd };
}

function request(n: number, req: Record<string, unknown>): string {
  const c = cluster(n);
  return JSON.stringify({
    cluster_tags: [], ipolicy: IPOLICY, enabled_hypervisors: ["xen-pvm"], cluster_name: "cluster", version: 2,
    nodegroups: { "uuid-group-1": { ipolicy: IPOLICY, networks: [], alloc_policy: "preferred", tags: [], name: "default" } },
    nodes: c.nodes, instances: c.instances, request: typeof req["name"] === "string" ? req : { ...req, name: c.drbd },
  });
}

function alloc(tmpl: string): Record<string, unknown> {
  return {
    disks: [{ spindles: 1, mode: "rw", size: 10240 }], required_nodes: tmpl === "drbd" ? 2 : 1, name: "new-instance",
    tags: [], hypervisor: "xen-pvm", disk_space_total: 10240, nics: [{ ip: null, mac: "00:11:22:33:44:55", bridge: null }],
    vcpus: 1, spindle_use: 1, os: "debian-image", disk_template: tmpl, memory: 1024, type: "allocate",
  };
}

const [dir, ...sizes] = process.argv.slice(2);
if (dir === undefined) {
  console.error("usage: gen-ialloc DIR [NODES ...]");
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
for (const s of sizes.length > 0 ? sizes : ["100", "1000"]) {
  const n = Number(s);
  for (const [f, req] of [
    [`alloc${n}-drbd.json`, alloc("drbd")],
    [`alloc${n}-plain.json`, alloc("plain")],
    [`reloc${n}.json`, { type: "relocate", required_nodes: 1, relocate_from: [] as string[] }],
  ] as const) {
    let r: Record<string, unknown> = req;
    if (f.startsWith("reloc")) {
      const c = cluster(n);
      const inst = c.instances[c.drbd] as { nodes: string[] };
      r = { ...req, name: c.drbd, relocate_from: [inst.nodes[1]] };
    }
    writeFileSync(join(dir, f), request(n, r));
    console.log(join(dir, f));
  }
}
