// Ganeti's str() of disks, as its "Cannot disable disk template" message lists them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeDisk } from "../../src/objects/disk-describe.js";
import type { Disk } from "../../src/objects/types.js";

const lv = (name: string, size: number, iv?: string): Disk => ({ dev_type: "plain", logical_id: ["xenvg", name], size, params: {}, ...(iv === undefined ? {} : { iv_name: iv }) });

test("disks are described as Ganeti's objects.Disk.__str__ does", () => {
  assert.equal(describeDisk(lv("u1.disk0_data", 1024, "disk/0")), "<LogicalVolume(/dev/xenvg/u1.disk0_data, visible as /dev/disk/0, size=1024m)>");
  assert.equal(describeDisk(lv("u1.disk0_meta", 128)), "<LogicalVolume(/dev/xenvg/u1.disk0_meta, not visible, size=128m)>");
  const drbd: Disk = {
    dev_type: "drbd", logical_id: ["uuid-a", "uuid-b", 11000, 0, 1, "secret"], size: 1024, iv_name: "disk/0", params: {}, spindles: 1,
    children: [lv("u1.disk0_data", 1024), lv("u1.disk0_meta", 128)],
  };
  assert.equal(describeDisk(drbd), "<DRBD8(hosts=uuid-a/0-uuid-b/1, port=11000, backend=<LogicalVolume(/dev/xenvg/u1.disk0_data, not visible, size=1024m)>, " +
    "metadev=<LogicalVolume(/dev/xenvg/u1.disk0_meta, not visible, size=128m)>, visible as /dev/disk/0, spindles=1, size=1024m)>");
  assert.equal(describeDisk({ ...drbd, children: [] }), "<DRBD8(hosts=uuid-a/0-uuid-b/1, port=11000, no local storage, visible as /dev/disk/0, spindles=1, size=1024m)>");
  assert.equal(describeDisk({ dev_type: "file", logical_id: ["loop", "/srv/ganeti/file-storage/i1/disk0"], size: 512, iv_name: "disk/0", params: {} }),
    "<Disk(type=file, logical_id=('loop', '/srv/ganeti/file-storage/i1/disk0'), children=[], visible as /dev/disk/0, size=512m)>");
});
