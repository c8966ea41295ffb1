// Ganeti's netutils.TcpPing: whether a TCP connection to ip:port opens within the timeout,
// optionally from a given source address (the master's secondary IP, for the replication
// network). Null when it does, else why not.
import { connect } from "node:net";

export function tcpPing(ip: string, port: number, timeoutMs: number, source?: string): Promise<string | null> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: timeoutMs, ...(source !== undefined ? { localAddress: source } : {}) });
    s.once("connect", () => { s.destroy(); resolve(null); });
    s.once("timeout", () => { s.destroy(); resolve("TCP connection timed out"); });
    s.once("error", (e) => resolve(`TCP communication error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });
}
