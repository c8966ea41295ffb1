// The master's side of node RPC: HTTPS PUT /<call> with a JSON body, mutual TLS with the
// cluster certificate, the peer pinned to that certificate's fingerprint. Calls fan out to
// many nodes in parallel, each with its own timeout; offline nodes are never contacted.
import { Agent, request } from "undici";
import { createSecureContext, type PeerCertificate } from "node:tls";
import { DEFAULT_NODED_PORT } from "../constants.js";
import { RPC_CALLS, type RpcArgs, type RpcName, type RpcResultOf } from "./catalogue.js";
import { acceptsPeer, type ClusterCert } from "./certs.js";
import { OpExecError, ErrorCode } from "../errors.js";

export interface RpcTarget {
  readonly name: string;
  readonly ip: string;
  readonly offline?: boolean;
  readonly port?: number;
}

/** One node's answer, as Ganeti's RpcResult: a failure message or a payload. */
export class RpcResult<T> {
  constructor(
    readonly node: string,
    readonly call: string,
    readonly failMsg: string | null,
    readonly payload: T | null,
    readonly offline = false,
  ) {}

  get ok(): boolean {
    return this.failMsg === null;
  }

  /** Ganeti's RpcResult.Raise: turns a failure into an OpExecError with context. */
  raise(msg: string, code?: (typeof ErrorCode)[keyof typeof ErrorCode]): T {
    if (this.failMsg !== null) throw new OpExecError(`${msg}: ${this.failMsg}`, code);
    return this.payload as T;
  }
}

export const OFFLINE_MSG = "Node is marked offline";

export interface RpcClientOptions {
  readonly cert: ClusterCert;
  /** Seconds to wait for a TCP/TLS connection before declaring a node unreachable. */
  readonly connectTimeout?: number;
  /** For the join protocol: the peer's certificate is not the cluster's yet. */
  readonly pinPeer?: boolean;
}

export class RpcClient {
  private agent: Agent;
  /** How long a node may take to accept a call (its status line): a busy node reads a
   * request within this, a vanished one is declared unreachable after it. */
  private readonly ackTimeoutMs: number;

  constructor(private readonly opts: RpcClientOptions) {
    this.ackTimeoutMs = Math.max(opts.connectTimeout ?? 10, 10) * 1000;
    this.agent = RpcClient.makeAgent(opts.cert, opts.pinPeer !== false, opts.connectTimeout ?? 10);
  }

  /**
   * Switches to another certificate (renew-crypto on the master): new calls use it, calls
   * under way finish on their connections.
   */
  replaceCert(cert: ClusterCert): void {
    const old = this.agent;
    this.agent = RpcClient.makeAgent(cert, this.opts.pinPeer !== false, this.opts.connectTimeout ?? 10);
    void old.close().catch(() => undefined);
  }

  private static makeAgent(cert: ClusterCert, pin: boolean, connectTimeout: number): Agent {
    return new Agent({
      connect: {
        // One TLS context for every connection: building it (key, certificate, CA) costs
        // more CPU than the handshake itself.
        secureContext: createSecureContext({ cert: cert.certPem, key: cert.keyPem, ca: [cert.certPem, ...(cert.peerCerts ?? [])] }),
        rejectUnauthorized: pin,
        timeout: connectTimeout * 1000,
        // Nodes are identified by the cluster certificate, not by host names.
        checkServerIdentity: (_host: string, peer: PeerCertificate) =>
          !pin || acceptsPeer(cert, peer.fingerprint256) ? undefined : new Error("peer certificate is not the cluster certificate"),
      },
      // Every call reuses connections (a TLS set-up costs more CPU than most calls). A node
      // acknowledges a call with its status line at once, so a request on a kept-alive
      // connection to a node that has silently vanished (power cut, cable) fails within the
      // acknowledgement timeout, as a new connection fails within the connect timeout.
      keepAliveTimeout: 2_000,
      keepAliveMaxTimeout: 2_000,
      connections: 8,
    });
  }

  async call<N extends RpcName>(target: RpcTarget, name: N, args: RpcArgs<N>, timeoutSec?: number): Promise<RpcResult<RpcResultOf<N>>> {
    if (target.offline === true) return new RpcResult(target.name, name, OFFLINE_MSG, null, true);
    const timeout = (timeoutSec ?? RPC_CALLS[name].timeout) * 1000;
    const host = target.ip.includes(":") ? `[${target.ip}]` : target.ip;
    const url = `https://${host}:${target.port ?? DEFAULT_NODED_PORT}/${name}`;
    try {
      const res = await request(url, {
        method: "PUT",
        dispatcher: this.agent,
        body: JSON.stringify(args),
        headers: { "content-type": "application/json" },
        signal: AbortSignal.timeout(timeout),
        headersTimeout: Math.min(timeout, this.ackTimeoutMs),
        bodyTimeout: timeout,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) return new RpcResult(target.name, name, `Error ${res.statusCode}: ${text}`, null);
      const parsed = JSON.parse(text) as unknown;
      if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== "boolean") {
        return new RpcResult(target.name, name, "Invalid RPC response", null);
      }
      if (parsed[0]) return new RpcResult(target.name, name, null, parsed[1] as RpcResultOf<N>);
      return new RpcResult(target.name, name, String(parsed[1]), null);
    } catch (e) {
      return new RpcResult(target.name, name, describeNetError(e), null);
    }
  }

  /** The same call on many nodes at once; the map is keyed by node name. */
  async callMany<N extends RpcName>(targets: readonly RpcTarget[], name: N, args: RpcArgs<N>, timeoutSec?: number):
    Promise<Map<string, RpcResult<RpcResultOf<N>>>> {
    const results = await Promise.all(targets.map((t) => this.call(t, name, args, timeoutSec)));
    return new Map(results.map((r) => [r.node, r]));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function describeNetError(e: unknown): string {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  switch (code) {
    case "ECONNREFUSED": return "Error 7: Failed connect to node: Connection refused";
    case "EHOSTUNREACH": return "Error 7: Failed connect to node: No route to host";
    case "UND_ERR_CONNECT_TIMEOUT": return "Error 28: Connection timed out";
    case "ETIMEDOUT": return "Error 28: Connection timed out";
    case "UND_ERR_HEADERS_TIMEOUT": return "Error 28: Operation timed out (the node did not accept the call)";
    default:
      if (err.message?.includes("aborted") === true || (e as Error).name === "TimeoutError") return "Error 28: Operation timed out";
      return `Error: ${err.cause?.message ?? err.message ?? String(e)}`;
  }
}
