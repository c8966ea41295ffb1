// The CLI's luxi client: one connection, one request at a time.
import { connect, type Socket } from "node:net";
import { encodeRequest, MessageSplitter, type LuxiResponse } from "./protocol.js";
import { NoMasterError, TimeoutError, LuxiError, decodeError, isEncodedError } from "../errors.js";

export class LuxiClient {
  private sock: Socket | null = null;
  private splitter = new MessageSplitter();
  private pending: Array<{ resolve: (r: LuxiResponse) => void; reject: (e: Error) => void }> = [];

  constructor(private readonly address: string, private readonly timeoutMs = 60_000) {}

  /** Connects now (rather than on the first call), so "no master here" shows early. */
  async connect(): Promise<void> {
    await this.ensure();
  }

  private async ensure(): Promise<Socket> {
    if (this.sock !== null) return this.sock;
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect(this.address);
      s.once("connect", () => resolve(s));
      s.once("error", () => reject(new NoMasterError(this.address)));
    });
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => {
      for (const msg of this.splitter.push(chunk)) {
        const p = this.pending.shift();
        if (p === undefined) continue;
        try {
          p.resolve(JSON.parse(msg) as LuxiResponse);
        } catch (e) {
          p.reject(new LuxiError(`Invalid response from master: ${(e as Error).message}`));
        }
      }
    });
    const fail = (e: Error): void => {
      for (const p of this.pending.splice(0)) p.reject(e);
      this.sock = null;
    };
    sock.on("error", (e) => fail(new LuxiError(e.message)));
    sock.on("close", () => fail(new LuxiError("Connection to the master daemon closed")));
    this.sock = sock;
    return sock;
  }

  async call(method: string, args: readonly unknown[] = [], timeoutMs = this.timeoutMs): Promise<unknown> {
    const sock = await this.ensure();
    const resp = await new Promise<LuxiResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`No answer to ${method} within ${timeoutMs / 1000}s`)), timeoutMs);
      this.pending.push({
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      sock.write(encodeRequest(method, args));
    });
    if (resp.success) return resp.result;
    if (isEncodedError(resp.result)) throw decodeError(resp.result);
    throw new LuxiError(String(resp.result));
  }

  close(): void {
    this.sock?.end();
    this.sock?.destroy();
    this.sock = null;
  }
}
