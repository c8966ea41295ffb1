// Ganeti's restricted commands (gnt-node restricted-command): only executables from
// /etc/ganeti/restricted-commands (below the node's root), the directory and file owned by
// root and writable by root alone, run one at a time with an empty environment. A request
// that fails these checks gets no reason back, only after a delay, as Ganeti's, so the
// directory can't be probed quickly; the reason goes to the node's log.
import { access, constants as fsc, stat } from "node:fs/promises";
import { execFile } from "node:child_process";
import { basename, join } from "node:path";
import type { RpcArgs } from "../../rpc/catalogue.js";
import type { NodedContext } from "../context.js";
import { GenericError } from "../../errors.js";

/** Ganeti's _RCMD_INVALID_DELAY (seconds before an invalid request is answered). */
const INVALID_DELAY_MS = 10_000;
/** Ganeti's _RCMD_MAX_MODE: rwxr-xr-x at most. */
const MAX_MODE = 0o755;
let queue: Promise<unknown> = Promise.resolve();

async function commonCheck(path: string): Promise<[true, import("node:fs").Stats] | [false, string]> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) return [false, `Can't stat(2) '${path}': ${st.message}`];
  if ((st.mode & 0o7777 & ~MAX_MODE) !== 0) return [false, `Permissions on '${path}' are too permissive`];
  if (st.uid !== 0 || st.gid !== 0) return [false, `'${path}' is not owned by 0:0`];
  return [true, st];
}

/** Ganeti's _PrepareRestrictedCmd: the executable's path, or why it can't run. */
async function prepare(dir: string, cmd: string): Promise<[true, string] | [false, string]> {
  const d = await commonCheck(dir);
  if (!d[0]) return d;
  if (!d[1].isDirectory()) return [false, `Path '${dir}' is not a directory`];
  if (cmd.trim() === "") return [false, "Missing command name"];
  if (basename(cmd) !== cmd) return [false, "Invalid command name"];
  if (!/^[a-zA-Z0-9_-]+$/.test(cmd)) return [false, "Command name contains forbidden characters"];
  const exe = join(dir, cmd);
  const f = await commonCheck(exe);
  if (!f[0]) return f;
  if (!f[1].isFile() || !(await access(exe, fsc.X_OK).then(() => true, () => false))) return [false, `access(2) thinks '${exe}' can't be executed`];
  return [true, exe];
}

export function restrictedCommand(args: RpcArgs<"restricted_command">, ctx: NodedContext): Promise<string> {
  // One at a time, as Ganeti's lock file serialises them.
  const run = queue.then(async () => {
    ctx.log.info({ command: args.cmd }, "preparing to run a restricted command");
    const [ok, value] = await prepare(join(ctx.paths.confDir, "restricted-commands"), args.cmd);
    if (!ok) {
      ctx.log.error({ command: args.cmd, why: value }, "restricted command refused");
      await new Promise((r) => setTimeout(r, INVALID_DELAY_MS));
      throw new GenericError(`Executing command '${args.cmd}' failed`);
    }
    return new Promise<string>((resolve, reject) => {
      execFile(value, [], { env: {}, cwd: "/", maxBuffer: 16 * 1024 * 1024 }, (e, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (e === null) resolve(output);
        else {
          const why = typeof e.code === "number" ? `exited with exit code ${e.code}` : e.signal !== null ? `terminated by signal ${e.signal}` : e.message;
          reject(new GenericError(`Restricted command '${args.cmd}' failed: ${why}; output: ${output}`));
        }
      });
    });
  });
  queue = run.catch(() => undefined);
  return run;
}
