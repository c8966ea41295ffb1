// devcluster-oob: the development cluster's out-of-band helper (Ganeti's oob_program
// interface: `devcluster-oob COMMAND NODE`, JSON on stdout for power-status and health).
// Powering a development node off kills its daemons at once, as `gnt-devcluster stop`;
// powering it on boots it, as `gnt-devcluster start`. The master's node daemon runs it
// with GANETI_ROOT set to the master's root, whose directory holds every node's root.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { ganetiPaths } from "../util/paths.js";
import { binPath, daemonPid } from "../util/daemon.js";

function devcluster(cmd: "stop" | "start", node: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [binPath("gnt-devcluster"), cmd, node, "--dir", dir], { env: { ...process.env, GANETI_ROOT: "" } }, (e, _o, stderr) => {
      if (e === null) resolve();
      else reject(new Error(stderr.trim() || e.message));
    });
  });
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const [command, node] = argv;
  const root = process.env["GANETI_ROOT"] ?? "";
  if (command === undefined || node === undefined || !/^node\d+$/.test(node) || root === "" || root === "/") {
    process.stderr.write("Usage: devcluster-oob {power-on|power-off|power-cycle|power-status|health} NODE (run by ganeti-noded on a devcluster)\n");
    return 1;
  }
  const dir = dirname(root);
  const powered = async (): Promise<boolean> => (await daemonPid(ganetiPaths(join(dir, node)), "ganeti-noded")) !== null;
  switch (command) {
    case "power-on":
      await devcluster("start", node, dir);
      return 0;
    case "power-off":
      await devcluster("stop", node, dir);
      return 0;
    case "power-cycle":
      await devcluster("stop", node, dir);
      await devcluster("start", node, dir);
      return 0;
    case "power-status":
      process.stdout.write(`${JSON.stringify({ powered: await powered() })}\n`);
      return 0;
    case "health":
      process.stdout.write(`${JSON.stringify([["node-daemon", (await powered()) ? "OK" : "CRITICAL"]])}\n`);
      return 0;
    default:
      process.stderr.write(`devcluster-oob: unknown command '${command}'\n`);
      return 1;
  }
}

export function run(): void {
  main().then((c) => {
    process.exitCode = c;
  }, (e: unknown) => {
    process.stderr.write(`devcluster-oob: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
