// Hooks: executables in $ROOT/etc/ganeti/hooks/<hpath>-<phase>.d/, run in name order with
// the GANETI_* environment, as Ganeti's hooks runner does.
import { readdir, stat } from "node:fs/promises";
import { execFile } from "node:child_process";
import { join } from "node:path";
import type { RpcArgs, RpcResultOf } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";

const SCRIPT_NAME = /^[a-zA-Z0-9_-]+$/;
const HOOK_TIMEOUT_MS = 3600_000;

export async function hooksRunner(args: RpcArgs<"hooks_runner">, ctx: NodedContext): Promise<RpcResultOf<"hooks_runner">> {
  if (!/^[a-z0-9-]+$/.test(args.hpath)) throw new Error(`Invalid hooks path '${args.hpath}'`);
  const subdir = `${args.hpath}-${args.phase}.d`;
  const dir = join(ctx.paths.hooksBaseDir, subdir);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return [];
  }
  const results: RpcResultOf<"hooks_runner"> = [];
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => null);
    if (st === null || !st.isFile() || (st.mode & 0o111) === 0 || !SCRIPT_NAME.test(name)) {
      results.push([`${subdir}/${name}`, "skip", ""]);
      continue;
    }
    const out = await new Promise<[boolean, string]>((resolve) => {
      execFile(path, [], { env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", ...args.env }, cwd: "/",
        timeout: HOOK_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => resolve([err === null, `${stdout}${stderr}`]));
    });
    // Ganeti's RunLocalHooks: "<hpath>-<phase>.d/<script>", the output stripped.
    results.push([`${subdir}/${name}`, out[0] ? "success" : "fail", out[1].trim()]);
  }
  return results;
}
