// Shared opcode parameters (Ganeti's OpParams p* fields) used by the cluster, node, group,
// query, tags, test and network families. A parameter that several opcodes share is
// declared here once; an opcode that documents it differently uses redoc().
import { Type } from "@sinclair/typebox";
import {
  ALLOC_POLICIES, Any, Bool, CV_ERROR_CODES, DDM_SIMPLE, DISK_TEMPLATES, Dict, DictOfDicts, Enum,
  EVAC_MODES, Float, HYPERVISORS, Int, IPv4Address, IPv4Network, IPv6Address, IPv6Network, MIGRATION_MODES,
  NIC_MODES, NonEmptyString, NonEmptyStrings, NonNegInt, OOB_COMMANDS, OOB_POWER_DELAY,
  OOB_TIMEOUT, PositiveInt, QUERY_TYPES_OP, SSH_KEY_TYPES, STORAGE_TYPES, Str, TAG_KINDS,
  VERIFY_OPTIONAL_CHECKS, def, defFalse, defTrue, opt, optBool, optNEStr, optStr, req,
} from "./types.js";

/** A UID range: [first, last], both inclusive. */
const UidRange = Type.Tuple([Int(), Int()]);
/** An add/remove edit of an OS list: [action, os name]. */
const OsListEdit = Type.Tuple([Enum(DDM_SIMPLE), NonEmptyString()]);

/** NIC parameters as given on input (Ganeti's INicParams; ht.TINicParams). */
export const NicParams = Type.Object({
  mac: Type.Optional(Type.Union([NonEmptyString(), Type.Null()])),
  ip: Type.Optional(Type.Union([Str(), Type.Null()])),
  mode: Type.Optional(Type.Union([NonEmptyString(), Type.Null()])),
  link: Type.Optional(Type.Union([NonEmptyString(), Type.Null()])),
  name: Type.Optional(Type.Union([NonEmptyString(), Type.Null()])),
  vlan: Type.Optional(Type.Union([Str(), Type.Null()])),
  bridge: Type.Optional(Type.Union([NonEmptyString(), Type.Null()])),
  network: Type.Optional(Type.Union([NonEmptyString(), Type.Null()])),
}, { additionalProperties: false });

// ---- generic ----
export const pForce = defFalse("Force the operation past checks that would stop it");
export const pName = req(NonEmptyString(), "A name");
export const pNames = def(NonEmptyStrings(), [], "Names to act on (empty: all)");
export const pNodes = def(NonEmptyStrings(), [], "Node names (empty: all)");
export const pNewName = req(NonEmptyString(), "The new name");
export const pOutputFields = req(NonEmptyStrings(), "Fields to return");
export const pUseLocking = defFalse("Take locks so the answer is consistent");
export const pVerbose = defFalse("Report more detail");
export const pDebug = defFalse("Report debugging detail");
export const pHvState = opt(Dict(), "Hypervisor state to record (resources outside Ganeti's control)");
export const pDiskState = opt(Dict(), "Disk state to record (resources outside Ganeti's control)");
export const pInstances = def(NonEmptyStrings(), [], "Instance names (empty: all)");
export const pIallocator = optNEStr("Allocator script choosing target nodes");
export const pEarlyRelease = defFalse("Release locks as early as possible");
export const pTargetGroups = opt(NonEmptyStrings(),
  "Groups (names or UUIDs) to move to; default: every group but the current one");
export const pSequential = defFalse("Run the resulting jobs one after another");
export const pIgnoreIpolicy = defFalse("Proceed even if the instance policy is violated");
export const pIsStrict = def(Bool(), true, "Fail on any problem instead of skipping it");

// ---- cluster verification ----
export const pDebugSimulateErrors = defFalse("Pretend checks failed (to test error reporting)");
export const pErrorCodes = defFalse("Print errors in a machine-parseable format");
export const pSkipChecks = def(Type.Array(Enum(VERIFY_OPTIONAL_CHECKS)), [], "Optional checks to skip");
export const pIgnoreErrors = def(Type.Array(Enum(CV_ERROR_CODES)), [],
  "Error codes to report as warnings");
export const pVerifyClutter = defFalse("Also look for stray entries in authorized_keys");

// ---- groups ----
export const pGroupName = req(NonEmptyString(), "Node group name");
export const pOptGroupName = optNEStr("Node group name (optional)");
export const pNodeGroupAllocPolicy = opt(Enum(ALLOC_POLICIES), "How instances may be allocated to the group");
export const pGroupNodeParams = opt(Dict(), "Node parameter defaults for the group");
export const pGroupDiskParams = opt(DictOfDicts(), "Per-disk-template parameter defaults");
export const pIpolicy = opt(Dict(), "Instance policy (ipolicy) specification");
export const pForceFailover = defFalse("Always fail over instead of migrating");

// ---- cluster parameters ----
export const pVgName = optStr("LVM volume group for new disks (empty string disables LVM)");
export const pEnabledHypervisors = opt(Type.Array(Enum(HYPERVISORS)), "Hypervisors instances may use");
export const pClusterHvParams = opt(DictOfDicts(), "Per-hypervisor parameter defaults");
export const pClusterBeParams = opt(Dict(), "Backend parameter defaults (memory, vcpus, ...)");
export const pOsHvp = opt(DictOfDicts(), "Per-OS hypervisor parameter overrides");
export const pClusterOsParams = opt(DictOfDicts(), "Per-OS parameter defaults");
export const pClusterOsParamsPrivate = opt(DictOfDicts(), "Per-OS private parameter defaults");
export const pCandidatePoolSize = opt(PositiveInt(), "Number of master candidates to maintain");
export const pMaxRunningJobs = opt(PositiveInt(), "How many jobs may run at the same time");
export const pMaxTrackedJobs = opt(PositiveInt(), "How many jobs the queue keeps track of");
export const pUidPool = opt(Type.Array(UidRange), "Replace the UID pool with these [first, last] ranges");
export const pAddUids = opt(Type.Array(UidRange), "Add these [first, last] ranges to the UID pool");
export const pRemoveUids = opt(Type.Array(UidRange), "Remove these [first, last] ranges from the UID pool");
export const pMaintainNodeHealth = optBool("Let the watcher keep nodes healthy automatically");
export const pPreallocWipeDisks = optBool("Wipe new disks before handing them to instances");
export const pNicParams = opt(NicParams, "NIC parameter defaults");
export const pNdParams = opt(Dict(), "Node parameters");
export const pDrbdHelper = optStr("Usermode helper DRBD calls");
export const pDefaultIAllocator = optStr("Allocator used when none is given");
export const pDefaultIAllocatorParams = opt(Dict(), "Parameters passed to the default allocator");
export const pNetworkMacPrefix = optNEStr("MAC prefix for new NICs (overrides the cluster's)");
export const pMasterNetdev = optStr("Network device carrying the master IP");
export const pMasterNetmask = opt(NonNegInt(), "Netmask length of the master IP");
export const pReservedLvs = opt(NonEmptyStrings(), "Logical volumes verify should ignore");
export const pHiddenOs = opt(Type.Array(OsListEdit), "Edits of the hidden-OS list: [add|remove, os]");
export const pBlacklistedOs = opt(Type.Array(OsListEdit), "Edits of the blacklisted-OS list: [add|remove, os]");
export const pUseExternalMipScript = optBool("Set up the master IP with a site-provided script");
export const pEnabledDiskTemplates = opt(Type.Array(Enum(DISK_TEMPLATES)), "Disk templates instances may use");
export const pModifyEtcHosts = optBool("Keep /etc/hosts on the nodes up to date");
export const pClusterFileStorageDir = optStr("Default directory for file-based disks");
export const pClusterSharedFileStorageDir = optStr("Default directory for shared-file disks");
export const pClusterGlusterStorageDir = optStr("Default directory for Gluster disks");
export const pInstallImage = optStr("Image in which OS scripts run isolated");
export const pInstanceCommunicationNetwork = optStr("Network used for instance communication");
export const pZeroingImage = optStr("Image used to zero instance disks");
export const pCompressionTools = opt(NonEmptyStrings(), "Compression tools allowed for data transfers");
export const pEnabledUserShutdown = opt(Bool(), "Whether instances may be shut down from inside");
export const pEnabledDataCollectors = opt(Type.Record(Type.String(), Bool()),
  "Data collectors to switch on or off, by name");
export const pDataCollectorInterval = opt(Type.Record(Type.String(), Int()),
  "Run interval of data collectors, by name");
export const pNodeSslCerts = def(Bool(), false, "Renew the nodes' SSL certificates");
export const pRenewSshKeys = def(Bool(), false, "Renew the cluster's SSH keys");
export const pSshKeyType = opt(Enum(SSH_KEY_TYPES), "Type of SSH key to generate");
export const pSshKeyBits = opt(PositiveInt(), "Size in bits of the SSH key to generate");

// ---- queries ----
export const pQueryWhat = req(Enum(QUERY_TYPES_OP), "Kind of resource to query");
export const pQueryFields = req(NonEmptyStrings(), "Fields to return");
export const pQueryFieldsFields = opt(NonEmptyStrings(), "Fields to describe (default: all)");
export const pQueryFilter = opt(Type.Array(Any()), "Query filter in Ganeti's list syntax");

// ---- nodes ----
export const pNodeName = req(NonEmptyString(), "Node name");
export const pNodeUuid = optNEStr("Node UUID (filled in by the master)");
export const pNodeUuids = opt(NonEmptyStrings(), "Node UUIDs");
export const pRequiredNodes = req(NonEmptyStrings(), "Node names (at least one)");
export const pRequiredNodeUuids = opt(NonEmptyStrings(), "Node UUIDs (filled in by the master)");
export const pPrimaryIp = optNEStr("Primary IP address");
export const pSecondaryIp = optNEStr("Secondary (replication) IP address");
export const pReadd = defFalse("Add again a node that was part of the cluster");
export const pNodeGroup = optNEStr("Group the node joins");
export const pMasterCapable = optBool("Whether the node may become master or master candidate");
export const pVmCapable = optBool("Whether the node may host instances");
export const pNodeSetup = def(Bool(), false, "Set up SSH on the new node");
export const pMasterCandidate = optBool("Make the node a master candidate (or not)");
export const pOffline = optBool("Mark as offline (or back online)");
export const pDrained = optBool("Mark as drained (or not)");
export const pAutoPromote = defFalse("Promote other nodes to candidates if this change needs it");
export const pPowered = optBool("Record the node as powered on (or off)");
export const pStorageType = req(Enum(STORAGE_TYPES), "Storage type");
export const pOptStorageType = opt(Enum(STORAGE_TYPES), "Storage type");
export const pStorageName = optNEStr("Storage unit name");
export const pStorageChanges = req(Dict(), "Storage unit properties to change");
export const pIgnoreConsistency = defFalse("Proceed even if disks are not consistent");
export const pMigrationMode = opt(Enum(MIGRATION_MODES), "Migration mode (live or non-live)");
export const pMigrationLive = optBool("Obsolete way to ask for live migration (use mode)");
export const pMigrationTargetNode = optNEStr("Node to migrate or fail over to");
export const pMigrationTargetNodeUuid = optNEStr("UUID of the node to migrate or fail over to");
export const pAllowRuntimeChgs = defTrue("Allow runtime changes (e.g. memory) during migration");
export const pRemoteNode = optNEStr("New secondary node");
export const pRemoteNodeUuid = optNEStr("UUID of the new secondary node");
export const pEvacMode = req(Enum(EVAC_MODES),
  "Which instances to move: primary-only, secondary-only or all");
export const pIgnoreSoftErrors = optBool("Ignore soft errors reported by the allocator");
export const pOobCommand = req(Enum(OOB_COMMANDS), "Out-of-band command to run");
export const pOobTimeout = def(Int(), OOB_TIMEOUT, "Seconds before the out-of-band helper is killed");
export const pIgnoreStatus = defFalse("Power off even nodes not marked offline");
export const pPowerDelay = def(Float(), OOB_POWER_DELAY, "Seconds to wait between powering on nodes");
export const pRestrictedCommand = req(NonEmptyString(), "Name of the restricted command");

// ---- tags ----
export const pTagsObject = req(Enum(TAG_KINDS), "Kind of object the tags belong to");
export const pTagsName = opt(Str(), "Name of the object (none for the cluster)");
export const pTagsList = req(Type.Array(Str()), "Tags");
export const pTagSearchPattern = req(NonEmptyString(), "Regular expression tags are matched against");

// ---- tests ----
export const pDelayDuration = req(Float(), "Seconds to sleep");
export const pDelayOnMaster = defTrue("Sleep on the master");
export const pDelayOnNodes = def(NonEmptyStrings(), [], "Nodes to sleep on as well");
export const pDelayOnNodeUuids = opt(NonEmptyStrings(), "UUIDs of the nodes to sleep on");
export const pDelayRepeat = def(NonNegInt(), 0, "Repeat the sleep this many times");
export const pDelayInterruptible = def(Bool(), false, "Allow interrupting the sleep through a socket");
export const pDelayNoLocks = defTrue("Take no locks while sleeping");
export const pJQueueNotifyWaitLock = defFalse("Notify the test client while waiting for locks");
export const pJQueueNotifyExec = defFalse("Notify the test client when execution starts");
export const pJQueueLogMessages = def(Type.Array(Str()), [], "Messages to log while running");
export const pJQueueFail = defFalse("Fail at the end");
export const pTestDummyResult = req(Any(), "Value to return");
export const pTestDummyMessages = req(Any(), "Messages to log");
export const pTestDummyFail = req(Any(), "Whether to fail");
export const pTestDummySubmitJobs = req(Any(), "Jobs to submit");

// ---- networks ----
export const pNetworkName = req(NonEmptyString(), "Network name");
export const pNetworkAddress4 = req(IPv4Network(), "IPv4 subnet in CIDR notation");
export const pNetworkGateway4 = opt(IPv4Address(), "IPv4 gateway address");
export const pNetworkAddress6 = opt(IPv6Network(), "IPv6 subnet in CIDR notation");
export const pNetworkGateway6 = opt(IPv6Address(), "IPv6 gateway address");
export const pNetworkAddRsvdIps = opt(Type.Array(IPv4Address()), "Addresses to reserve");
export const pNetworkRemoveRsvdIps = opt(Type.Array(IPv4Address()), "Reserved addresses to release");
export const pNetworkMode = req(Enum(NIC_MODES), "NIC mode used when connecting the network to a group");
export const pNetworkLink = req(NonEmptyString(), "NIC link used when connecting the network to a group");
export const pNetworkVlan = def(Str(), "", "VLAN used when connecting the network to a group");
export const pIpConflictsCheck = defTrue("Check for IP addresses already in use");
export const pInstTags = def(NonEmptyStrings(), [], "Tags of the new object");
