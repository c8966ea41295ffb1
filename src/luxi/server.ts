// The masterd side of luxi: a unix socket server dispatching each request to a handler.
import { createServer, type Server, type Socket } from "node:net";
import { mkdir, unlink, chmod } from "node:fs/promises";
import { dirname } from "node:path";
import { encodeResponse, MessageSplitter, type LuxiRequest } from "./protocol.js";
import { encodeError, LuxiError } from "../errors.js";

export type LuxiHandler = (args: readonly unknown[]) => Promise<unknown>;

export async function startLuxiServer(address: string, handlers: ReadonlyMap<string, LuxiHandler>,
  onError: (e: unknown) => void): Promise<Server> {
  await mkdir(dirname(address), { recursive: true });
  await unlink(address).catch(() => undefined);
  const server = createServer((sock: Socket) => {
    sock.setEncoding("utf8");
    const splitter = new MessageSplitter();
    // Requests on one connection are answered in order.
    let chain = Promise.resolve();
    sock.on("data", (chunk: string) => {
      for (const msg of splitter.push(chunk)) {
        chain = chain.then(() => answer(msg)).catch(onError);
      }
    });
    sock.on("error", () => undefined);
    async function answer(msg: string): Promise<void> {
      let out: string;
      try {
        const req = JSON.parse(msg) as LuxiRequest;
        const h = handlers.get(req.method);
        if (h === undefined) throw new LuxiError(`Unknown luxi method '${req.method}'`);
        out = encodeResponse(true, await h(Array.isArray(req.args) ? req.args : []));
      } catch (e) {
        out = encodeResponse(false, encodeError(e));
      }
      if (!sock.destroyed) sock.write(out);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address, () => resolve());
  });
  await chmod(address, 0o660);
  return server;
}
