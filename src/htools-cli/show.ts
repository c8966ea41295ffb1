// Haskell `show` renderings Ganeti's tools print verbatim at high verbosity.
import { showDouble } from "../htools/format.js";
import { DISK_TEMPLATE_CONS, type IPolicy, type ISpec } from "../htools/types.js";

function showISpec(s: ISpec): string {
  return (
    `ISpec {iSpecMemorySize = ${s.memorySize}, iSpecCpuCount = ${s.cpuCount}, iSpecDiskSize = ${s.diskSize}, ` +
    `iSpecDiskCount = ${s.diskCount}, iSpecNicCount = ${s.nicCount}, iSpecSpindleUse = ${s.spindleUse}}`
  );
}

export function showIPolicy(p: IPolicy): string {
  const mm = p.minMaxISpecs
    .map((m) => `MinMaxISpecs {minMaxISpecsMinSpec = ${showISpec(m.min)}, minMaxISpecsMaxSpec = ${showISpec(m.max)}}`)
    .join(",");
  return (
    `IPolicy {iPolicyMinMaxISpecs = [${mm}], iPolicyStdSpec = ${showISpec(p.stdSpec)}, ` +
    `iPolicyDiskTemplates = [${p.diskTemplates.map((d) => DISK_TEMPLATE_CONS[d]).join(",")}], ` +
    `iPolicyVcpuRatio = ${showDouble(p.vcpuRatio)}, iPolicySpindleRatio = ${showDouble(p.spindleRatio)}}`
  );
}
