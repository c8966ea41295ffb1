// OS definitions on this node: diagnosis and installation (Ganeti's OS API).
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { diagnoseOses } from "../../os/definition.js";
import { runOsScript } from "../../os/runner.js";

export async function osDiagnose(_a: unknown, ctx: NodedContext): Promise<RpcResultOf<"os_diagnose">> {
  return (await diagnoseOses(ctx.paths)).map((o) => ({ ...o, variants: [...o.variants], parameters: o.parameters.map(([a, b]) => [a, b] as [string, string]),
    api_versions: [...o.api_versions] }));
}

export async function instanceOsAdd(args: RpcArgs<"instance_os_add">, ctx: NodedContext): Promise<RpcResultOf<"instance_os_add">> {
  return { log: await runOsScript(ctx.paths, "create", args.instance, args.debug) };
}
