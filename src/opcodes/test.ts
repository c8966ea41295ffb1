// Test opcodes (OP_TEST_*): exercise the job queue, locking and allocators.
import { defineOp } from "./define.js";
import * as p from "./params.js";
import * as pi from "./params-instance.js";

export const OpTestDelay = defineOp("OP_TEST_DELAY", "Sleep on the master and/or nodes", {
  duration: p.pDelayDuration,
  on_master: p.pDelayOnMaster,
  on_nodes: p.pDelayOnNodes,
  on_node_uuids: p.pDelayOnNodeUuids,
  repeat: p.pDelayRepeat,
  interruptible: p.pDelayInterruptible,
  no_locks: p.pDelayNoLocks,
}, { summary: "duration" });

export const OpTestAllocator = defineOp("OP_TEST_ALLOCATOR", "Build an allocator request, or run it", {
  direction: pi.pIAllocatorDirection,
  mode: pi.pIAllocatorMode,
  name: pi.pIAllocatorReqName,
  nics: pi.pIAllocatorNics,
  disks: pi.pIAllocatorDisks,
  hypervisor: pi.pHypervisor,
  iallocator: p.pIallocator,
  tags: p.pInstTags,
  memory: pi.pIAllocatorMemory,
  vcpus: pi.pIAllocatorVCpus,
  os: pi.pIAllocatorOs,
  disk_template: pi.pOptDiskTemplate,
  instances: pi.pIAllocatorInstances,
  evac_mode: pi.pIAllocatorEvacMode,
  target_groups: p.pTargetGroups,
  spindle_use: pi.pIAllocatorSpindleUse,
  count: pi.pIAllocatorCount,
  group_name: p.pOptGroupName,
}, { summary: "iallocator" });

export const OpTestJqueue = defineOp("OP_TEST_JQUEUE", "Exercise the job queue's notifications and logging", {
  notify_waitlock: p.pJQueueNotifyWaitLock,
  notify_exec: p.pJQueueNotifyExec,
  log_messages: p.pJQueueLogMessages,
  fail: p.pJQueueFail,
});

export const OpTestOsParams = defineOp("OP_TEST_OS_PARAMS", "Check that secret OS parameters stay secret", {
  osparams_secret: pi.pInstOsParamsSecret,
});

// No logical unit runs OP_TEST_DUMMY (Ganeti's WITH_LU = False): it only tests the opcode layer.
export const OpTestDummy = defineOp("OP_TEST_DUMMY", "Carry arbitrary values (opcode layer tests)", {
  result: p.pTestDummyResult,
  messages: p.pTestDummyMessages,
  fail: p.pTestDummyFail,
  submit_jobs: p.pTestDummySubmitJobs,
}, { withLu: false });

export const TEST_OPCODES = [OpTestDelay, OpTestAllocator, OpTestJqueue, OpTestOsParams, OpTestDummy] as const;
