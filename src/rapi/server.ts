// The RAPI v2 HTTPS server (Fastify), with Ganeti's request order (lib/server/rapi.py):
// the path is matched first (404), then the method (501), then authentication (HTTP
// Basic against the users file: 401 without valid credentials, 403 without the access
// the method needs), then the body (JSON only: 415, 400), then the resource. Errors carry
// Ganeti's JSON body {"code", "message", "explain"}. Writes (writes.ts) submit jobs and
// answer their ids; what is not built (job filters) answers 501, never a pretended success.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { LuxiClient } from "../luxi/client.js";
import { CodedError, ErrorCode, NoMasterError, TimeoutError, LuxiError } from "../errors.js";
import { matchResource, type Access, type Match, type Method } from "./resources.js";
import { AUTH_REALM, verifyPassword, type RapiUser } from "./users.js";
import { HttpError, readHandler, type QueryArgs } from "./handlers.js";
import { writeHandler } from "./writes.js";

/** Python's BaseHTTPRequestHandler.responses, which Ganeti's error bodies use. */
const RESPONSES: Readonly<Record<number, readonly [string, string]>> = {
  400: ["Bad Request", "Bad request syntax or unsupported method"],
  401: ["Unauthorized", "No permission -- see authorization schemes"],
  403: ["Forbidden", "Request forbidden -- authorization will not help"],
  404: ["Not Found", "Nothing matches the given URI"],
  405: ["Method Not Allowed", "Specified method is invalid for this resource"],
  413: ["Request Entity Too Large", "Entity is too large"],
  415: ["Unsupported Media Type", "Entity body in unsupported format"],
  500: ["Internal Server Error", "Server got itself in trouble"],
  501: ["Not Implemented", "Server does not support this operation"],
  502: ["Bad Gateway", "Invalid responses from another server/proxy"],
  504: ["Gateway Timeout", "The gateway server did not receive a timely response"],
};

/** Python's html.escape, which Ganeti applies to the message. */
function htmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

export function errorBody(code: number, message: string): { code: number; message: string; explain: string } {
  const [short, long] = RESPONSES[code] ?? ["Unknown", "Unknown"];
  return { code, message: htmlEscape(message === "" ? short : message), explain: long };
}

export interface RapiServerOptions {
  readonly cert: { readonly certPem: string; readonly keyPem: string };
  /** The current users (reloaded on SIGHUP by the daemon). */
  readonly users: () => ReadonlyMap<string, RapiUser>;
  /** --require-authentication: every request needs a valid user. */
  readonly requireAuth: boolean;
  /** The master's luxi socket. */
  readonly masterSocket: string;
  readonly log: Logger;
}

interface RapiContext {
  readonly match: Match;
  readonly method: Method;
  readonly path: string;
  readonly user: string | null;
}

const CONTEXT = Symbol("rapi");
type RapiRequest = FastifyRequest & { [CONTEXT]?: RapiContext };

function unauthorized(): HttpError {
  return new HttpError(401, "", { "WWW-Authenticate": `Basic realm="${AUTH_REALM}"` });
}

/** Ganeti's HttpServerRequestAuthentication.PreHandleRequest + RemoteApiHandler.Authenticate. */
function authenticate(header: string | undefined, access: readonly Access[], o: RapiServerOptions): string | null {
  const required = o.requireAuth || access.length > 0;
  if (!required && (header === undefined || header === "")) return null;
  const parts = (header ?? "").trim().split(/\s+/);
  if (header === undefined || parts[0] === "" || parts[0]?.toLowerCase() !== "basic") throw unauthorized();
  if (parts.length < 2) throw new HttpError(400, "Basic authentication requires credentials");
  let creds: string;
  try {
    creds = Buffer.from(parts[1] ?? "", "base64").toString("latin1");
  } catch {
    throw unauthorized();
  }
  const colon = creds.indexOf(":");
  if (colon < 0) throw unauthorized();
  const name = creds.slice(0, colon);
  const user = o.users().get(name);
  if (user === undefined || !verifyPassword(user, creds.slice(colon + 1))) throw unauthorized();
  if (access.length === 0 || user.options.some((x) => (access as readonly string[]).includes(x))) return name;
  throw new HttpError(403);
}

/** A luxi error as an HTTP answer (baserlib.GetClient, RemoteApiHandler.HandleRequest). */
function fromLuxiError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof NoMasterError) return new HttpError(502, `Can't connect to master daemon: ${e.message}`);
  if (e instanceof TimeoutError) return new HttpError(504);
  if (e instanceof LuxiError) return new HttpError(502, e.message);
  if (e instanceof CodedError && e.code === ErrorCode.noent) return new HttpError(404, e.message);
  if (e instanceof CodedError && e.code === ErrorCode.inval) return new HttpError(400, e.message);
  return new HttpError(500, e instanceof Error ? e.message : String(e));
}

/** A GET request's JSON body (Ganeti reads bodies whatever the method). */
async function readGetBody(raw: NodeJS.ReadableStream): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of raw) {
    size += (c as Buffer).length;
    if (size > 4 * 1024 * 1024) throw new HttpError(413);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "Unable to parse JSON data");
  }
}

export async function buildRapiServer(o: RapiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    https: { key: o.cert.keyPem, cert: o.cert.certPem },
    logger: false,
    bodyLimit: 4 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: false },
  });

  // Request bodies are JSON or nothing (Ganeti: anything else is 415, bad JSON is 400).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new HttpError(400, "Unable to parse JSON data"), undefined);
    }
  });

  app.addHook("onRequest", async (req: RapiRequest) => {
    const url = req.raw.url ?? "/";
    const path = url.split("?", 1)[0] ?? "/";
    const match = matchResource(path);
    if (match === null) throw new HttpError(404);
    const method = req.method.toUpperCase();
    const access = (match.resource.methods as Partial<Record<string, readonly Access[]>>)[method];
    if (access === undefined) throw new HttpError(501, `Method ${method} is unsupported for path ${path}`);
    const user = authenticate(req.headers.authorization, access, o);
    req[CONTEXT] = { match, method: method as Method, path, user };
  });

  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (typeof err === "object" && err !== null && "statusCode" in err && typeof err.statusCode === "number" && err.statusCode < 500) {
      e = new HttpError(err.statusCode, err.statusCode === 415 ? "" : String((err as { message?: unknown }).message ?? ""));
    } else e = fromLuxiError(err);
    if (e.code >= 500 && e.code !== 501) o.log.warn({ method: req.method, url: req.raw.url, code: e.code, err: e.message }, "request failed");
    void reply.code(e.code).headers({ ...e.headers, "content-type": "application/json" }).send(JSON.stringify(errorBody(e.code, e.message)));
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).header("content-type", "application/json").send(JSON.stringify(errorBody(404, "")));
  });

  app.all("*", async (req: RapiRequest, reply) => {
    const ctx = req[CONTEXT];
    if (ctx === undefined) throw new HttpError(500, "request without context");
    // Fastify leaves GET bodies unread; Ganeti's /2/jobs/ID/wait carries its arguments in one.
    const body = ctx.method === "GET" && req.body === undefined && Number(req.headers["content-length"] ?? 0) > 0
      ? await readGetBody(req.raw) : req.body;
    const request = { match: ctx.match, method: ctx.method, query: req.query as QueryArgs, body };
    const handler = (ctx.method === "GET" || ctx.method === "PUT" ? readHandler({ ...request, method: ctx.method }) : null) ?? writeHandler(request);
    if (handler === null) throw new HttpError(501, `${ctx.method} ${ctx.path} is not supported yet by ganeti-ts`);
    const luxi = new LuxiClient(o.masterSocket);
    let result: unknown;
    try {
      result = await handler(luxi);
    } catch (e) {
      throw fromLuxiError(e);
    } finally {
      luxi.close();
    }
    o.log.debug({ method: ctx.method, path: ctx.path, user: ctx.user }, "request");
    return reply.code(200).header("content-type", "application/json").send(JSON.stringify(result ?? null));
  });
  return app;
}
