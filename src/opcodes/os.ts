// OS and ExtStorage provider diagnosis (OP_OS_DIAGNOSE, OP_EXT_STORAGE_DIAGNOSE).
import { defineOp } from "./define.js";
import { redoc } from "./types.js";
import * as p from "./params.js";

export const OpOsDiagnose = defineOp("OP_OS_DIAGNOSE", "Report the OS definitions found on the nodes", {
  output_fields: p.pOutputFields,
  names: redoc(p.pNames, "OSes to diagnose (empty: all)"),
});

export const OpExtStorageDiagnose = defineOp("OP_EXT_STORAGE_DIAGNOSE",
  "Report the ExtStorage providers found on the nodes", {
    output_fields: p.pOutputFields,
    names: redoc(p.pNames, "Providers to diagnose (empty: all)"),
  });

export const OS_OPCODES = [OpOsDiagnose, OpExtStorageDiagnose] as const;
