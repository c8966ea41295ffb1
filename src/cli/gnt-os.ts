// gnt-os: OS definitions (list, diagnose, info).
import { main, out, type CommandTable } from "./framework.js";
import { runOpcode } from "./jobs.js";
import type { OsSummary } from "../cmdlib/os.js";

async function diagnose(): Promise<OsSummary[]> {
  return ((await runOpcode({}, { OP_ID: "OP_OS_DIAGNOSE", output_fields: ["name"], names: [] })) ?? []) as OsSummary[];
}

const commands: CommandTable = {
  list: {
    summary: "Lists the OS definitions valid on all nodes", usage: "[--no-headers]", args: [0, 0],
    options: { "no-headers": { type: "boolean", help: "Don't display column headers" } },
    async run(o) {
      if (o["no-headers"] !== true) out("Name");
      for (const os of await diagnose()) {
        if (!os.valid || os.hidden || os.blacklisted) continue;
        if (os.variants.length === 0) out(os.name);
        else for (const v of os.variants) out(`${os.name}+${v}`);
      }
      return 0;
    },
  },
  diagnose: {
    summary: "Diagnoses the OS definitions on every node", usage: "", args: [0, 0], options: {},
    async run() {
      let bad = false;
      for (const os of await diagnose()) {
        out(`OS: ${os.name} [global status: ${os.valid ? "valid" : "invalid"}]`);
        for (const [node, st] of Object.entries(os.node_status)) {
          if (st === null) {
            bad = true;
            out(`  Node: ${node}, status: invalid - OS not found`);
          } else {
            if (!st.status) bad = true;
            out(`  Node: ${node}, status: ${st.status ? "valid" : `invalid - ${st.diagnose}`} (path: ${st.path})` +
              (st.variants.length > 0 ? ` [variants: ${st.variants.join(", ")}]` : "") +
              (st.parameters.length > 0 ? ` [parameters: ${st.parameters.map(([p]) => p).join(", ")}]` : ""));
          }
        }
        out("");
      }
      return bad ? 1 : 0;
    },
  },
  info: {
    summary: "Shows the details of OS definitions", usage: "", args: [0, 0], options: {},
    async run() {
      for (const os of await diagnose()) {
        out(`OS: ${os.name}`);
        out(`  - valid: ${os.valid ? "True" : "False"}`);
        out(`  - hidden: ${os.hidden ? "True" : "False"}`);
        out(`  - blacklisted: ${os.blacklisted ? "True" : "False"}`);
        out(`  - API versions: ${os.api_versions.join(", ")}`);
        out(`  - variants: ${os.variants.join(", ")}`);
        out("  - parameters:");
        for (const [p, doc] of os.parameters) out(`    - ${p}: ${doc}`);
      }
      return 0;
    },
  },
};

export function run(): void {
  main("gnt-os", commands);
}
