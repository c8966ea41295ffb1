// gnt-os: OS definitions (list, diagnose, info).
import { main, out, err, COMMON, parseKeyVal, parseBool, type CommandTable } from "./framework.js";
import { runOpcode } from "./jobs.js";
import type { OsSummary } from "../cmdlib/os.js";

async function diagnose(): Promise<OsSummary[]> {
  return ((await runOpcode({}, { OP_ID: "OP_OS_DIAGNOSE", output_fields: ["name"], names: [] })) ?? []) as OsSummary[];
}

export const commands: CommandTable = {
  modify: {
    summary: "Modifies the OS parameters", usage: "[-H hv:k=v,...] [-O k=v,...] [--hidden=yes|no] [--blacklisted=yes|no] <os>",
    args: [1, 1],
    options: {
      "hypervisor-parameters": { type: "string", short: "H", multiple: true, help: "OS-specific hypervisor parameters (hv:k=v,...)" },
      "os-parameters": { type: "string", short: "O", help: "OS parameters (k=v,...)" },
      hidden: { type: "string", help: "Hide the OS from gnt-os list (yes/no)" },
      blacklisted: { type: "string", help: "Refuse new installations of the OS (yes/no)" },
      submit: COMMON.submit, priority: COMMON.priority,
    },
    async run(o, [os]) {
      const name = os ?? "";
      const op: Record<string, unknown> = { OP_ID: "OP_CLUSTER_SET_PARAMS" };
      const hv = (o["hypervisor-parameters"] as string[] | undefined) ?? [];
      if (hv.length > 0) {
        op["os_hvp"] = { [name]: Object.fromEntries(hv.map((spec) => {
          const colon = spec.indexOf(":");
          return [colon < 0 ? spec : spec.slice(0, colon), colon < 0 ? {} : parseKeyVal(spec.slice(colon + 1), "hypervisor")];
        })) };
      }
      if (typeof o["os-parameters"] === "string") op["osparams"] = { [name]: parseKeyVal(o["os-parameters"], "OS") };
      for (const key of ["hidden", "blacklisted"] as const) {
        if (typeof o[key] !== "string") continue;
        op[`${key}_os`] = [[parseBool(o[key], `--${key}`) === true ? "add" : "remove", name]];
      }
      if (Object.keys(op).length === 1) {
        err("At least one of OS parameters or hypervisor parameters must be passed");
        return 1;
      }
      await runOpcode(o, op);
      return 0;
    },
  },
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
