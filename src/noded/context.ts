// What a noded handler may use: the node's paths and identity, its certificate state and
// the hooks the server offers (e.g. opening a listener on the master IP).
import type { GanetiPaths } from "../util/paths.js";
import type { ClusterCert } from "../rpc/certs.js";
import type { Logger } from "pino";
import type { DrbdManager } from "../storage/drbd.js";

export interface NodedContext {
  readonly paths: GanetiPaths;
  readonly hostname: string;
  /** Per-boot id: the kernel's on a real node, per daemon start on a devcluster node. */
  readonly bootId: string;
  readonly log: Logger;
  /** drbd devices active on this node (in memory, as the kernel's are). */
  readonly drbd: DrbdManager;
  cert(): ClusterCert | null;
  /** Called after a successful join: switch the TLS server to the cluster certificate. */
  installCert(cert: ClusterCert): void;
  /** Extra listeners (the master IP in the loopback devcluster). */
  listenExtra(ip: string): Promise<void>;
  closeExtra(ip: string): Promise<void>;
  /**
   * Serves RPC also on this address of the node (its secondary IP: DRBD's peers connect
   * there), or on none (null); the previous one is closed.
   */
  serveSecondary(ip: string | null): Promise<void>;
  /** Asks the daemon to exit after the current reply (node removed from the cluster). */
  requestExit(): void;
}
