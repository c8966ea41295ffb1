// What the master daemon's request handlers share.
import type { GanetiPaths } from "../util/paths.js";
import type { ConfigStore } from "../config/store.js";
import type { JobQueue } from "../jobs/queue.js";
import type { RpcClient } from "../rpc/client.js";
import type { LockManager } from "../locking/lock-manager.js";

export interface MasterServices {
  readonly paths: GanetiPaths;
  readonly config: ConfigStore;
  readonly queue: JobQueue;
  readonly rpc: RpcClient;
  readonly locks: LockManager;
}
