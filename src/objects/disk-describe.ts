// Ganeti's str() of a Disk object (objects.Disk.__str__), as its messages print disks,
// e.g. "Cannot disable disk template 'drbd', because there is at least one disk using it".
import type { Disk } from "./types.js";

/** Python's repr of the plain values a logical_id holds (strings, numbers, null, tuples). */
function pyRepr(v: unknown): string {
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(v);
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Array.isArray(v)) return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(", ")})`;
  return String(v);
}

export function describeDisk(d: Disk): string {
  let val: string;
  const id = d.logical_id;
  if (d.dev_type === "plain") {
    val = `<LogicalVolume(/dev/${String(id[0])}/${String(id[1])}`;
  } else if (d.dev_type === "drbd") {
    const [nodeA, nodeB, port, minorA, minorB] = id;
    val = `<DRBD8(hosts=${String(nodeA)}/${String(minorA)}-${String(nodeB)}/${String(minorB)}, port=${String(port)}, `;
    const children = d.children ?? [];
    val += children.length >= 2 ? `backend=${describeDisk(children[0]!)}, metadev=${describeDisk(children[1]!)}` : "no local storage";
  } else {
    // The children list shows Disk objects by Python's default repr, which names no field:
    // an empty list is all a file, blockdev or ext disk ever has.
    val = `<Disk(type=${d.dev_type}, logical_id=${pyRepr(id)}, children=${(d.children ?? []).length === 0 ? "[]" : `[${(d.children ?? []).map(describeDisk).join(", ")}]`}`;
  }
  val += d.iv_name === undefined || d.iv_name === null ? ", not visible" : `, visible as /dev/${d.iv_name}`;
  if (d.spindles !== undefined && d.spindles !== null) val += `, spindles=${d.spindles}`;
  val += Number.isInteger(d.size) ? `, size=${d.size}m)>` : `, size='${String(d.size)}')>`;
  return val;
}
