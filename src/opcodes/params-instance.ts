// Shared opcode parameters of the instance, backup, OS and allocator-test families.
import { Type } from "@sinclair/typebox";
import {
  ADMIN_STATE_SOURCES, Any, Bool, DDM_FULL, DDM_SIMPLE, DEFAULT_SHUTDOWN_TIMEOUT, DISK_TEMPLATES,
  Dict, DiskIndex, EVAC_MODES, EXPORT_MODES, Enum, FILE_DRIVERS, Float, HYPERVISORS,
  IALLOCATOR_DIRECTIONS, IALLOCATOR_MODES, IEC_NONE, INST_CREATE_MODES, Int, NonEmptyString,
  NonEmptyStrings, NonNegInt, PositiveInt, REBOOT_TYPES, REPLACE_DISKS_MODES, Str, def, defFalse,
  defTrue, opt, optBool, optNEStr, req,
} from "./types.js";
import { NicParams } from "./params.js";

/** Disk parameters as given on input (Ganeti's IDiskParams: known keys plus opaque extras). */
export const DiskParams = Type.Record(Type.String({ minLength: 1 }),
  Type.Union([Type.String({ minLength: 1 }), Type.Integer()]));

// Instance NIC/disk modification lists (SetParamsMods): either empty, the deprecated
// [action-or-index, params] pairs, or [action, index-or-name, params] triples.
function setParamsMods<T extends ReturnType<typeof Dict> | typeof NicParams | typeof DiskParams>(item: T) {
  return Type.Union([
    Type.Array(Type.Tuple([Type.Union([Enum(DDM_SIMPLE), NonNegInt()]), item])),
    Type.Array(Type.Tuple([Enum(DDM_FULL), Type.Union([Int(), Str()]), item])),
  ]);
}

/** recreate-disks: [] (all), disk indices, or [index, params] pairs. */
const RecreateDisksInfo = Type.Union([
  Type.Array(DiskIndex()),
  Type.Array(Type.Tuple([DiskIndex(), DiskParams])),
]);

// ---- identity ----
export const pInstanceName = req(Str(), "Instance name");
export const pInstanceUuid = optNEStr("Instance UUID (filled in by the master)");

// ---- creation and parameters ----
export const pForceVariant = defFalse("Accept an OS variant the OS does not declare");
export const pWaitForSync = defTrue("Wait until the disks are in sync");
export const pWaitForSyncFalse = defFalse("Wait until the disks are in sync");
export const pNameCheck = defFalse("Check that the name resolves");
export const pIpCheck = defFalse("Check that the instance's IP address is not in use");
export const pOpportunisticLocking = defFalse(
  "With an allocator, consider only nodes whose locks are free right now");
export const pInstBeParams = def(Dict(), {}, "Backend parameters (memory, vcpus, ...)");
export const pInstHvParams = def(Dict(), {}, "Hypervisor parameters");
export const pInstOsParams = def(Dict(), {}, "OS parameters");
export const pInstOsParamsPrivate = opt(Dict(), "Private OS parameters (hidden in logs)");
export const pInstOsParamsSecret = opt(Dict(), "Secret OS parameters (never stored)");
export const pExtParams = def(Dict(), {}, "ExtStorage provider parameters");
export const pInstDisks = req(Type.Array(DiskParams), "Disks: size, mode, vg, name, ... per disk");
export const pInstNics = req(Type.Array(NicParams), "NICs: mac, ip, mode, link, network, ... per NIC");
export const pDiskTemplate = req(Enum(DISK_TEMPLATES), "Disk template");
export const pOptDiskTemplate = opt(Enum(DISK_TEMPLATES), "Disk template");
export const pFileDriver = opt(Enum(FILE_DRIVERS), "Driver for file-based disks");
export const pFileStorageDir = optNEStr("Directory of file-based disks");
export const pHypervisor = opt(Enum(HYPERVISORS), "Hypervisor");
export const pResetDefaults = defFalse("Drop parameters equal to the cluster defaults");
export const pInstCreateMode = req(Enum(INST_CREATE_MODES), "Creation mode: create, import or remote-import");
export const pNoInstall = optBool("Do not run the OS installation (the instance is not started)");
export const pInstOs = optNEStr("OS to install");
export const pPrimaryNode = optNEStr("Primary node");
export const pPrimaryNodeUuid = optNEStr("UUID of the primary node");
export const pSecondaryNode = optNEStr("Secondary node");
export const pSecondaryNodeUuid = optNEStr("UUID of the secondary node");
export const pSourceHandshake = opt(Type.Array(Any()), "Handshake signed by the source (remote import)");
export const pSourceInstance = optNEStr("Name of the source instance (remote import)");
export const pSourceShutdownTimeout = def(NonNegInt(), DEFAULT_SHUTDOWN_TIMEOUT,
  "Seconds the source instance had to shut down (remote import)");
export const pSourceX509Ca = optNEStr("Source X509 CA, PEM (remote import)");
export const pSrcNode = optNEStr("Node holding the export to import");
export const pSrcNodeUuid = optNEStr("UUID of the node holding the export");
export const pSrcPath = optNEStr("Directory of the export to import");
export const pBackupCompress = def(Str(), IEC_NONE, "Compression for the data transfer");
export const pStartInstance = defTrue("Start the instance once created");
export const pForthcoming = defFalse("Only reserve the resources");
export const pCommit = defFalse("Turn a reserved (forthcoming) instance into a real one");
export const pInstanceCommunication = defFalse("Set up the instance communication mechanism");
export const pOptInstanceCommunication = optBool("Switch the instance communication mechanism on or off");
export const pHelperStartupTimeout = opt(Int(), "Seconds the helper VM may take to start");
export const pHelperShutdownTimeout = opt(Int(), "Seconds the helper VM may take to stop");
export const pMultiAllocInstances = def(Type.Array(Any()), [],
  "OP_INSTANCE_CREATE opcodes of the instances to allocate");
export const pTempOsParams = opt(Dict(), "OS parameters for this reinstall only");
export const pTempOsParamsPrivate = opt(Dict(), "Private OS parameters for this reinstall only");
export const pTempOsParamsSecret = opt(Dict(), "Secret OS parameters for this reinstall only");
export const pInstParamsNicChanges = def(setParamsMods(NicParams), [], "NIC changes");
export const pInstParamsDiskChanges = def(setParamsMods(DiskParams), [], "Disk changes");
export const pRuntimeMem = opt(PositiveInt(), "New memory size of the running instance");
export const pOsNameChange = optNEStr("Switch to this OS without reinstalling");
export const pHotplug = defTrue("Apply device changes to the running instance");

// ---- life cycle ----
export const pShutdownTimeout = def(NonNegInt(), DEFAULT_SHUTDOWN_TIMEOUT, "Seconds to wait for a clean shutdown");
export const pInstShutdownTimeout = def(NonNegInt(), DEFAULT_SHUTDOWN_TIMEOUT, "Seconds to wait for a clean shutdown");
export const pIgnoreFailures = defFalse("Carry on when removing parts fails");
export const pIgnoreOfflineNodes = defFalse("Ignore offline nodes");
export const pTempHvParams = def(Dict(), {}, "Hypervisor parameters for this start only");
export const pTempBeParams = def(Dict(), {}, "Backend parameters for this start only");
export const pNoRemember = defFalse("Do not record the new state in the configuration");
export const pStartupPaused = defFalse("Start the instance paused");
export const pAdminStateSource = opt(Enum(ADMIN_STATE_SOURCES), "Who changes the admin state: admin or user");
export const pIgnoreSecondaries = defFalse("Reboot even if the secondary disks fail");
export const pRebootType = req(Enum(REBOOT_TYPES), "Reboot type: soft, hard or full");

// ---- disks and moves ----
export const pReplaceDisksMode = req(Enum(REPLACE_DISKS_MODES), "Which disks to replace, or change secondary");
export const pReplaceDisksList = def(Type.Array(DiskIndex()), [], "Disk indices (empty: all)");
export const pMigrationCleanup = defFalse("Clean up after a failed migration");
export const pAllowFailover = defFalse("Fail over if migration is impossible");
export const pIgnoreHVVersions = defFalse("Migrate between different hypervisor versions");
export const pMoveTargetNode = req(NonEmptyString(), "Node to move the instance to");
export const pMoveTargetNodeUuid = optNEStr("UUID of the node to move the instance to");
export const pMoveCompress = def(Str(), IEC_NONE, "Compression for the data transfer");
export const pIgnoreDiskSize = defFalse("Ignore the disk sizes recorded in the configuration");
export const pRecreateDisksInfo = def(RecreateDisksInfo, [], "Disks to recreate: [] (all), indices, or [index, params]");
export const pStatic = defFalse("Return configuration data only, without asking nodes");
export const pDiskIndex = req(DiskIndex(), "Disk index");
export const pDiskChgAmount = req(NonNegInt(), "Size to grow by (or to, when absolute), in MiB");
export const pDiskChgAbsolute = defFalse("Treat amount as the new size instead of an increase");

// ---- backups ----
export const pExportMode = req(Enum(EXPORT_MODES), "Export mode: local or remote");
export const pExportModeLocal = def(Enum(EXPORT_MODES), "local", "Export mode: local or remote");
export const pExportTargetNode = req(Type.Union([NonEmptyString(), Type.Array(Any())]),
  "Target: a node name (local) or the destination list (remote)");
export const pExportTargetNodeUuid = optNEStr("UUID of the target node (local export)");
export const pShutdownInstance = defTrue("Shut the instance down before exporting");
export const pRemoveInstance = defFalse("Remove the instance once exported");
export const pIgnoreRemoveFailures = defFalse("Carry on when removing the instance fails");
export const pX509KeyName = opt(Type.Array(Any()), "X509 key name (remote export)");
export const pX509DestCA = optNEStr("Destination X509 CA (remote export)");
export const pZeroFreeSpace = defFalse("Zero the free space of the disks first");
export const pZeroingTimeoutFixed = opt(Int(), "Fixed part of the zeroing time limit, seconds");
export const pZeroingTimeoutPerMiB = opt(Float(), "Per-MiB part of the zeroing time limit, seconds");
export const pLongSleep = def(Bool(), false, "Allow long instance shutdowns during the export");

// ---- allocator tests ----
export const pIAllocatorDirection = req(Enum(IALLOCATOR_DIRECTIONS), "in: build the request; out: run the allocator");
export const pIAllocatorMode = req(Enum(IALLOCATOR_MODES), "Allocator request mode");
export const pIAllocatorReqName = req(NonEmptyString(), "Object of the request (new instance, node, ...)");
export const pIAllocatorNics = opt(Type.Array(NicParams), "NICs of the instance");
export const pIAllocatorDisks = opt(Type.Array(Any()), "Disks of the instance");
export const pIAllocatorMemory = opt(NonNegInt(), "Memory of the instance, MiB");
export const pIAllocatorVCpus = opt(NonNegInt(), "VCPUs of the instance");
export const pIAllocatorOs = optNEStr("OS of the instance");
export const pIAllocatorInstances = opt(NonEmptyStrings(), "Instances the request concerns");
export const pIAllocatorEvacMode = opt(Enum(EVAC_MODES), "Evacuation mode");
export const pIAllocatorSpindleUse = def(NonNegInt(), 1, "Spindles the instance uses");
export const pIAllocatorCount = def(NonNegInt(), 1, "Number of instances");
