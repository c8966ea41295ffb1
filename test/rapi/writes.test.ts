// Every RAPI write mapping (src/rapi/writes.ts) against the one opcode schema: each
// resource and method builds opcodes whose parameter names the opcode declares, so a
// mapping can't drift from the schema unnoticed; and Ganeti's request checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RESOURCES, type Method } from "../../src/rapi/resources.js";
import { writeHandler } from "../../src/rapi/writes.js";
import { HttpError } from "../../src/rapi/handlers.js";
import type { LuxiClient } from "../../src/luxi/client.js";

/** A luxi stand-in that records what would be submitted. */
function recorder(): { luxi: LuxiClient; calls: Array<[string, unknown[]]> } {
  const calls: Array<[string, unknown[]]> = [];
  const luxi = { call: async (m: string, a: unknown[]) => (calls.push([m, a]), 42) } as unknown as LuxiClient;
  return { luxi, calls };
}

/** Plausible bodies and queries per resource (what a client sends at the least). */
const BODY: Readonly<Record<string, unknown>> = {
  R_2_instances: { __version__: 1, name: "i1", disk_template: "file", disks: [{ size: 16 }], nics: [{}], mode: "create", os: "image" },
  R_2_instances_multi_alloc: { instances: [{ name: "i1", disk_template: "file", disks: [{ size: 16 }], nics: [{}], mode: "create" }] },
  R_2_nodes_name_role: "drained",
  R_2_instances_name_rename: { new_name: "i2" },
  R_2_instances_name_disk_grow: { amount: 16 },
  R_2_instances_name_replace_disks: { mode: "replace_auto" },
  R_2_instances_name_export: { mode: "local", destination: "node2" },
  R_2_nodes_name_evacuate: { mode: "all" },
  R_2_networks: { name: "net1", network: "192.0.2.0/24" },
  R_2_networks_name_connect: { group_name: "default", network_mode: "bridged", network_link: "br0" },
  R_2_networks_name_disconnect: { group_name: "default" },
  R_2_networks_name_rename: { new_name: "net2" },
  R_2_groups: { name: "g1" },
  R_2_groups_name_rename: { new_name: "g2" },
  R_2_groups_name_assign_nodes: { nodes: ["node2"] },
  R_2_instances_name_recreate_disks: {},
  R_2_jobs_id_wait: { fields: ["status"] },
};
const QUERY: Readonly<Record<string, Record<string, string>>> = {
  R_2_nodes_name_storage: { output_fields: "name,size", storage_type: "file" },
  R_2_nodes_name_storage_modify: { storage_type: "lvm-pv", name: "/dev/sdb", allocatable: "0" },
  R_2_nodes_name_storage_repair: { storage_type: "lvm-vg", name: "xenvg" },
  R_2_instances_name_prepare_export: { mode: "local" },
};

test("every write mapping builds opcodes the schema accepts", async () => {
  let built = 0;
  for (const r of RESOURCES) {
    for (const method of Object.keys(r.methods) as Method[]) {
      const items = ["x1", "0"].slice(0, (r.pattern.source.match(/\(/g) ?? []).length);
      const h = (() => {
        try {
          return writeHandler({ match: { resource: r, items }, method, query: QUERY[r.name] ?? {}, body: method === "DELETE" ? undefined : BODY[r.name] });
        } catch (e) {
          assert.fail(`${method} ${r.name}: ${e instanceof HttpError ? `${e.code} ${e.message}` : String(e)}`);
        }
      })();
      if (h === null) continue;
      const { luxi, calls } = recorder();
      await h(luxi);
      built++;
      assert.equal(calls.length, 1, r.name);
      const [method2, args] = calls[0]!;
      if (method2 !== "SubmitJob") continue; // cancel, wait
      for (const op of args[0] as Array<Record<string, unknown>>) {
        const trail = op["reason"] as unknown[][];
        assert.equal(trail.at(-1)?.[0], `gnt:library:rlib2:${r.name.replace(/^R_2_/, "")}`, r.name);
      }
    }
  }
  assert.ok(built >= 45, `${built} write handlers`);
});

test("Ganeti's request checks: renamed twice, static overwritten, wrong types, version 0", () => {
  const r = (name: string) => RESOURCES.find((x) => x.name === name)!;
  const err = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return `${(e as HttpError).code} ${(e as Error).message}`;
    }
    return "no error";
  };
  assert.equal(err(() => writeHandler({ match: { resource: r("R_2_groups"), items: [] }, method: "POST", query: {}, body: { name: "a", group_name: "b" } })),
    "400 Parameter 'name' was renamed to 'group_name', but both are specified");
  assert.equal(err(() => writeHandler({ match: { resource: r("R_2_instances_name_migrate"), items: ["x1"] }, method: "PUT", query: {}, body: { instance_name: "y" } })),
    "400 Can't overwrite static parameters {'instance_name'}");
  assert.equal(err(() => writeHandler({ match: { resource: r("R_2_groups"), items: [] }, method: "POST", query: {}, body: ["g"] })),
    "400 Body contents: Type is 'list', but 'dict' is expected");
  assert.equal(err(() => writeHandler({ match: { resource: r("R_2_nodes_name_role"), items: ["n"] }, method: "PUT", query: {}, body: 3 })),
    "400 Body contents: Type is 'int', but 'str' is expected");
  assert.equal(err(() => writeHandler({ match: { resource: r("R_2_instances"), items: [] }, method: "POST", query: {}, body: { name: "x" } })),
    "400 Instance creation request version 0 is no longer supported");
  assert.equal(err(() => writeHandler({ match: { resource: r("R_2_instances_name"), items: ["x"] }, method: "DELETE", query: { "dry-run": "yes" }, body: undefined })),
    "400 Invalid value for the 'dry-run' parameter");
  assert.match(err(() => writeHandler({ match: { resource: r("R_2_instances_name_modify"), items: ["x"] }, method: "PUT", query: {}, body: { nosuch: 1 } })),
    /^400 Invalid body parameters: .*nosuch/);
});
