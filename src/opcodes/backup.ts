// Instance export/import support (OP_BACKUP_*).
import { defineOp } from "./define.js";
import * as pi from "./params-instance.js";

export const OpBackupPrepare = defineOp("OP_BACKUP_PREPARE", "Prepare an instance export (remote mode keys)", {
  instance_name: pi.pInstanceName,
  instance_uuid: pi.pInstanceUuid,
  mode: pi.pExportMode,
}, { summary: "instance_name" });

export const OpBackupExport = defineOp("OP_BACKUP_EXPORT", "Export an instance", {
  instance_name: pi.pInstanceName,
  instance_uuid: pi.pInstanceUuid,
  compress: pi.pBackupCompress,
  shutdown_timeout: pi.pShutdownTimeout,
  target_node: pi.pExportTargetNode,
  target_node_uuid: pi.pExportTargetNodeUuid,
  shutdown: pi.pShutdownInstance,
  remove_instance: pi.pRemoveInstance,
  ignore_remove_failures: pi.pIgnoreRemoveFailures,
  mode: pi.pExportModeLocal,
  x509_key_name: pi.pX509KeyName,
  destination_x509_ca: pi.pX509DestCA,
  zero_free_space: pi.pZeroFreeSpace,
  zeroing_timeout_fixed: pi.pZeroingTimeoutFixed,
  zeroing_timeout_per_mib: pi.pZeroingTimeoutPerMiB,
  long_sleep: pi.pLongSleep,
}, { summary: "instance_name" });

export const OpBackupRemove = defineOp("OP_BACKUP_REMOVE", "Remove an instance's exports", {
  instance_name: pi.pInstanceName,
  instance_uuid: pi.pInstanceUuid,
}, { summary: "instance_name" });

export const BACKUP_OPCODES = [OpBackupPrepare, OpBackupExport, OpBackupRemove] as const;
