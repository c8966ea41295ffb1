// Deterministic generator of uneven clusters in Ganeti's text format: N nodes,
// about 16 instances per node, mixed drbd and plain, all crowded on a quarter of
// the nodes at the start (the shape the htools issue measures).

/** A small seeded generator (numbers in [0, 1)): repeatable test data. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The sum of `a` left to right with its element `pos - 1` replaced by `b` (Ganeti's fold order). */
export function literal(a: Float64Array, pos: number, b: number): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += k === pos - 1 ? b : a[k]!;
  return s;
}

export function unevenCluster(nodes: number, perNode = 16, seed = 42): string {
  const rnd = lcg(seed);
  const names = Array.from({ length: nodes }, (_, i) => `node-${String(i + 1).padStart(4, "0")}`);
  const crowded = Math.max(2, Math.ceil(nodes / 4));
  const tMem = 262144;
  const tDsk = 4194304;
  const used = new Map<string, { mem: number; dsk: number }>(names.map((n) => [n, { mem: 0, dsk: 0 }]));
  const insts: string[] = [];
  for (let k = 0; k < nodes * perNode; k++) {
    const mem = [1024, 2048, 4096][Math.floor(rnd() * 3)]!;
    const dsk = [10240, 20480, 51200][Math.floor(rnd() * 3)]!;
    const vcpus = 1 + Math.floor(rnd() * 4);
    const drbd = rnd() < 0.6;
    const p = names[k % crowded]!;
    let s = "";
    if (drbd) {
      s = names[(k + 1 + Math.floor(rnd() * (crowded - 1))) % crowded]!;
      if (s === p) s = names[(k + 1) % crowded]!;
      used.get(s)!.dsk += dsk;
    }
    used.get(p)!.mem += mem;
    used.get(p)!.dsk += dsk;
    insts.push(
      `inst-${String(k + 1).padStart(5, "0")}|${mem}|${dsk}|${vcpus}|running|Y|${p}|${s}|${drbd ? "drbd" : "plain"}||1`,
    );
  }
  const nodeLines = names.map((n) => {
    const u = used.get(n)!;
    return `${n}|${tMem}|4096|${tMem - 4096 - u.mem}|${tDsk}|${tDsk - u.dsk}|32|N|uuid-1|1`;
  });
  return ["group-1|uuid-1|preferred||", "", ...nodeLines, "", ...insts, "", ""].join("\n");
}
