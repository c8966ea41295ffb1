// How to reach an instance's console, per hypervisor (Ganeti's GetInstanceConsole).
import { OpPrereqError, ErrorCode } from "../errors.js";

export type InstanceConsole = { readonly kind: "message"; readonly message: string };

export function instanceConsole(hypervisor: string): InstanceConsole {
  switch (hypervisor) {
    case "fake": return { kind: "message", message: "Console not available for fake hypervisor" };
    default: throw new OpPrereqError(`Consoles of hypervisor '${hypervisor}' are not supported yet by ganeti-ts`, ErrorCode.inval);
  }
}
