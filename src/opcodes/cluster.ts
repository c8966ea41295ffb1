// Cluster-wide opcodes (OP_CLUSTER_*).
import { defineOp } from "./define.js";
import { redoc } from "./types.js";
import * as p from "./params.js";

export const OpClusterPostInit = defineOp("OP_CLUSTER_POST_INIT",
  "Run the post-initialisation hooks of a new cluster", {});

export const OpClusterDestroy = defineOp("OP_CLUSTER_DESTROY",
  "Destroy the cluster (only the master may be left in it)", {});

export const OpClusterQuery = defineOp("OP_CLUSTER_QUERY", "Return cluster information", {});

export const OpClusterVerify = defineOp("OP_CLUSTER_VERIFY",
  "Submit the jobs that verify the whole cluster", {
    debug_simulate_errors: p.pDebugSimulateErrors,
    error_codes: p.pErrorCodes,
    skip_checks: p.pSkipChecks,
    ignore_errors: p.pIgnoreErrors,
    verbose: p.pVerbose,
    group_name: p.pOptGroupName,
    verify_clutter: p.pVerifyClutter,
  });

export const OpClusterVerifyConfig = defineOp("OP_CLUSTER_VERIFY_CONFIG",
  "Verify the cluster configuration", {
    debug_simulate_errors: p.pDebugSimulateErrors,
    error_codes: p.pErrorCodes,
    ignore_errors: p.pIgnoreErrors,
    verbose: p.pVerbose,
  });

export const OpClusterVerifyGroup = defineOp("OP_CLUSTER_VERIFY_GROUP",
  "Verify one node group (its nodes and instances)", {
    group_name: p.pGroupName,
    debug_simulate_errors: p.pDebugSimulateErrors,
    error_codes: p.pErrorCodes,
    skip_checks: p.pSkipChecks,
    ignore_errors: p.pIgnoreErrors,
    verbose: p.pVerbose,
    verify_clutter: p.pVerifyClutter,
  }, { summary: "group_name" });

export const OpClusterVerifyDisks = defineOp("OP_CLUSTER_VERIFY_DISKS",
  "Submit the jobs that verify the disks of every (or one) node group", {
    group_name: p.pOptGroupName,
    is_strict: p.pIsStrict,
  });

export const OpClusterRepairDiskSizes = defineOp("OP_CLUSTER_REPAIR_DISK_SIZES",
  "Compare recorded disk sizes with the real ones and fix the configuration", {
    instances: p.pInstances,
  });

export const OpClusterConfigQuery = defineOp("OP_CLUSTER_CONFIG_QUERY",
  "Return selected cluster configuration values", {
    output_fields: p.pOutputFields,
  });

export const OpClusterRename = defineOp("OP_CLUSTER_RENAME",
  "Rename the cluster (and change its master IP if the name resolves elsewhere)", {
    name: redoc(p.pName, "New cluster name"),
  }, { summary: "name" });

export const OpClusterSetParams = defineOp("OP_CLUSTER_SET_PARAMS", "Change cluster parameters", {
  force: p.pForce,
  hv_state: p.pHvState,
  disk_state: p.pDiskState,
  vg_name: p.pVgName,
  enabled_hypervisors: p.pEnabledHypervisors,
  hvparams: p.pClusterHvParams,
  beparams: p.pClusterBeParams,
  os_hvp: p.pOsHvp,
  osparams: p.pClusterOsParams,
  osparams_private_cluster: p.pClusterOsParamsPrivate,
  diskparams: p.pGroupDiskParams,
  candidate_pool_size: p.pCandidatePoolSize,
  max_running_jobs: p.pMaxRunningJobs,
  max_tracked_jobs: p.pMaxTrackedJobs,
  uid_pool: p.pUidPool,
  add_uids: p.pAddUids,
  remove_uids: p.pRemoveUids,
  maintain_node_health: p.pMaintainNodeHealth,
  prealloc_wipe_disks: p.pPreallocWipeDisks,
  nicparams: p.pNicParams,
  ndparams: redoc(p.pNdParams, "Node parameter defaults of the cluster"),
  ipolicy: redoc(p.pIpolicy, "Instance policy of the cluster"),
  drbd_helper: p.pDrbdHelper,
  default_iallocator: p.pDefaultIAllocator,
  default_iallocator_params: p.pDefaultIAllocatorParams,
  mac_prefix: p.pNetworkMacPrefix,
  master_netdev: p.pMasterNetdev,
  master_netmask: p.pMasterNetmask,
  reserved_lvs: p.pReservedLvs,
  hidden_os: p.pHiddenOs,
  blacklisted_os: p.pBlacklistedOs,
  use_external_mip_script: p.pUseExternalMipScript,
  enabled_disk_templates: p.pEnabledDiskTemplates,
  modify_etc_hosts: p.pModifyEtcHosts,
  file_storage_dir: p.pClusterFileStorageDir,
  shared_file_storage_dir: p.pClusterSharedFileStorageDir,
  gluster_storage_dir: p.pClusterGlusterStorageDir,
  install_image: p.pInstallImage,
  instance_communication_network: p.pInstanceCommunicationNetwork,
  zeroing_image: p.pZeroingImage,
  compression_tools: p.pCompressionTools,
  enabled_user_shutdown: p.pEnabledUserShutdown,
  enabled_data_collectors: p.pEnabledDataCollectors,
  data_collector_interval: p.pDataCollectorInterval,
});

export const OpClusterRedistConf = defineOp("OP_CLUSTER_REDIST_CONF",
  "Push the configuration and ancillary files to every node again", {});

export const OpClusterActivateMasterIp = defineOp("OP_CLUSTER_ACTIVATE_MASTER_IP",
  "Bring up the master IP on the master node", {});

export const OpClusterDeactivateMasterIp = defineOp("OP_CLUSTER_DEACTIVATE_MASTER_IP",
  "Take down the master IP on the master node", {});

export const OpClusterRenewCrypto = defineOp("OP_CLUSTER_RENEW_CRYPTO",
  "Renew the nodes' certificates and/or the cluster's SSH keys", {
    node_certificates: p.pNodeSslCerts,
    renew_ssh_keys: p.pRenewSshKeys,
    ssh_key_type: p.pSshKeyType,
    ssh_key_bits: p.pSshKeyBits,
    verbose: p.pVerbose,
    debug: p.pDebug,
  });

export const CLUSTER_OPCODES = [
  OpClusterPostInit, OpClusterDestroy, OpClusterQuery, OpClusterVerify, OpClusterVerifyConfig,
  OpClusterVerifyGroup, OpClusterVerifyDisks, OpClusterRepairDiskSizes, OpClusterConfigQuery,
  OpClusterRename, OpClusterSetParams, OpClusterRedistConf, OpClusterActivateMasterIp,
  OpClusterDeactivateMasterIp, OpClusterRenewCrypto,
] as const;
