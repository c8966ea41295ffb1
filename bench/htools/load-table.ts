// A cluster in Ganeti's text format as the balancing benchmarks start from it.
import { readFileSync } from "node:fs";
import { parseData } from "../../src/htools/text.js";
import { type ClusterData, prepareCluster } from "../../src/htools/loader.js";
import { type Table, makeTable } from "../../src/htools/cluster.js";

/** The file's prepared cluster data and its starting table; throws the parser's message on bad input. */
export function loadTable(file: string): { data: ClusterData; table: Table } {
  const parsed = parseData(readFileSync(file, "utf8"));
  if (!parsed.ok) throw new Error(parsed.error);
  const prepared = prepareCluster(parsed.value);
  if (!prepared.ok) throw new Error(prepared.error);
  const data = prepared.value.data;
  return { data, table: makeTable(data.nodes, data.instances) };
}
