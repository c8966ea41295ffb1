// OS definitions on this node: diagnosis and installation (Ganeti's OS API).
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { diagnoseOses } from "../../os/definition.js";
import { runOsScript, validateOs } from "../../os/runner.js";
import { withExtDevPaths } from "./ext.js";

export async function osDiagnose(_a: unknown, ctx: NodedContext): Promise<RpcResultOf<"os_diagnose">> {
  return (await diagnoseOses(ctx.paths)).map((o) => ({ ...o, variants: [...o.variants], parameters: o.parameters.map(([a, b]) => [a, b] as [string, string]),
    api_versions: [...o.api_versions] }));
}

export async function instanceOsAdd(args: RpcArgs<"instance_os_add">, ctx: NodedContext): Promise<RpcResultOf<"instance_os_add">> {
  const log = await runOsScript(ctx.paths, "create", await withExtDevPaths(ctx, args.instance), args.debug);
  // drbd: the scripts wrote the local data volumes; the call returns once the peer has them.
  for (const d of args.instance.disks) if (d.dev_type === "drbd" && ctx.drbd.isActive(d.uuid)) await ctx.drbd.flush(d.uuid);
  return { log };
}

export async function instanceRunRename(args: RpcArgs<"instance_run_rename">, ctx: NodedContext): Promise<RpcResultOf<"instance_run_rename">> {
  return { log: await runOsScript(ctx.paths, "rename", await withExtDevPaths(ctx, args.instance), args.debug, { OLD_INSTANCE_NAME: args.old_name }) };
}

export function osValidate(args: RpcArgs<"os_validate">, ctx: NodedContext): Promise<boolean> {
  return validateOs(ctx.paths, args.required, args.name, args.checks, args.osparams, args.force_variant);
}
