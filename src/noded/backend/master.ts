// The master role on this node: starting/stopping ganeti-masterd and the master IP.
// A loopback master IP (the devcluster without namespaces) is "up" when this node's
// daemons listen on it; any other address is added to the master netdev with ip(8), as
// Ganeti's master-ip-setup script does.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { unlink } from "node:fs/promises";
import type { RpcArgs } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { startDaemon, stopDaemon, daemonPid } from "../../util/daemon.js";
import { atomicWrite } from "../../util/fs.js";
import { GenericError } from "../../errors.js";

const run = promisify(execFile);

function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1";
}

export async function startMasterDaemons(args: RpcArgs<"node_start_master_daemons">, ctx: NodedContext): Promise<null> {
  if ((await daemonPid(ctx.paths, "ganeti-masterd")) === null) {
    await startDaemon(ctx.paths, "ganeti-masterd", args.no_voting ? ["--no-voting", "--yes-do-it"] : []);
  }
  // ganeti-rapi refuses to run unless ssconf names this node the master, as masterd does
  if ((await daemonPid(ctx.paths, "ganeti-rapi")) === null) await startDaemon(ctx.paths, "ganeti-rapi");
  return null;
}

/** Ganeti's daemon-util stop-master: the remote API goes with the master daemon. */
export async function stopMaster(_a: unknown, ctx: NodedContext): Promise<null> {
  await stopDaemon(ctx.paths, "ganeti-rapi");
  await stopDaemon(ctx.paths, "ganeti-masterd");
  return null;
}

export async function activateMasterIp(args: RpcArgs<"node_activate_master_ip">, ctx: NodedContext): Promise<null> {
  if (isLoopback(args.ip)) {
    await ctx.listenExtra(args.ip);
  } else {
    try {
      await run("ip", ["address", "add", `${args.ip}/${args.netmask}`, "dev", args.netdev, "label", `${args.netdev}:0`]);
    } catch (e) {
      const msg = (e as { stderr?: string }).stderr ?? (e as Error).message;
      if (!msg.includes("File exists")) throw new GenericError(`Failed to activate master IP: ${msg.trim()}`);
    }
  }
  await atomicWrite(ctx.paths.masterIpFile, `${args.ip}\n`, { durable: false });
  return null;
}

export async function deactivateMasterIp(args: RpcArgs<"node_deactivate_master_ip">, ctx: NodedContext): Promise<null> {
  if (isLoopback(args.ip)) {
    await ctx.closeExtra(args.ip);
  } else {
    try {
      await run("ip", ["address", "del", `${args.ip}/${args.netmask}`, "dev", args.netdev]);
    } catch (e) {
      const msg = (e as { stderr?: string }).stderr ?? (e as Error).message;
      if (!msg.includes("Cannot assign")) throw new GenericError(`Failed to deactivate master IP: ${msg.trim()}`);
    }
  }
  await unlink(ctx.paths.masterIpFile).catch(() => undefined);
  return null;
}
