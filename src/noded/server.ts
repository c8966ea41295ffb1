// ganeti-noded's HTTPS server: PUT /<rpc name>, JSON in, [ok, payload] out (status line
// first, as soon as the call is accepted). Once the node
// holds the cluster certificate, a peer that does not present that very certificate is
// disconnected before any request is read.
import { createServer, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Value } from "@sinclair/typebox/value";
import { RPC_CALLS, isRpcName, type RpcName } from "../rpc/catalogue.js";
import { acceptsPeer, type ClusterCert } from "../rpc/certs.js";
import type { NodedContext } from "./context.js";
import { HANDLERS } from "./handlers.js";
import { GanetiError } from "../errors.js";

export interface TlsIdentity {
  readonly certPem: string;
  readonly keyPem: string;
}

const MAX_BODY = 64 * 1024 * 1024;

export function createNodedServer(ctx: NodedContext, identity: () => TlsIdentity, onError: (e: unknown) => void): Server {
  const id = identity();
  const server = createServer({
    cert: id.certPem,
    key: id.keyPem,
    requestCert: true,
    rejectUnauthorized: false, // checked per connection below, so that a joining node can be reached
    minVersion: "TLSv1.2",
  });
  server.on("secureConnection", (sock: TLSSocket) => {
    const cert = ctx.cert();
    if (cert === null) return; // not joined: only join calls are served, checked per request
    const peer = sock.getPeerCertificate();
    if (peer === null || !acceptsPeer(cert, peer.fingerprint256)) sock.destroy();
  });
  server.on("tlsClientError", () => undefined);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    handle(ctx, req, res).catch(onError);
  });
  return server;
}

export function refreshServerCert(server: Server, cert: ClusterCert): void {
  server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error("request body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function handle(ctx: NodedContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = (req.url ?? "/").slice(1);
  if (req.method !== "PUT" || !isRpcName(name)) {
    reply(res, 404, [false, `Unknown RPC call ${name}`]);
    return;
  }
  const def = RPC_CALLS[name];
  const sock = req.socket as TLSSocket;
  const cert = ctx.cert();
  if (cert === null && !def.unjoined) {
    reply(res, 403, [false, "This node is not part of a cluster"]);
    return;
  }
  if (cert !== null && def.unjoined) {
    reply(res, 403, [false, "This node is already part of a cluster"]);
    return;
  }
  let args: unknown;
  try {
    args = JSON.parse(await readBody(req));
  } catch (e) {
    reply(res, 400, [false, `Invalid request: ${(e as Error).message}`]);
    return;
  }
  if (!Value.Check(def.args, args)) {
    const first = [...Value.Errors(def.args, args)][0];
    reply(res, 400, [false, `Invalid arguments for ${name}: ${first?.path ?? ""} ${first?.message ?? ""}`]);
    return;
  }
  // The call is accepted: the status line goes out now, the answer when it is ready. A
  // master that reuses a kept-alive connection to a node that has silently vanished learns
  // it within its acknowledgement timeout instead of waiting for the call's whole timeout.
  res.writeHead(200, { "content-type": "application/json" });
  res.flushHeaders();
  let answer: [boolean, unknown];
  try {
    const handler = HANDLERS[name as RpcName] as (a: unknown, c: NodedContext, s: TLSSocket) => Promise<unknown>;
    answer = [true, (await handler(args, ctx, sock)) ?? null];
  } catch (e) {
    const msg = e instanceof GanetiError ? e.message : (e as Error).message ?? String(e);
    ctx.log.warn({ call: name, err: msg }, "RPC call failed");
    answer = [false, msg];
  }
  res.end(JSON.stringify(answer));
}
