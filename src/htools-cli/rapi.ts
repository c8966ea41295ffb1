// The RAPI backend of the htools programs (Ganeti's `-m CLUSTER` and hscan's named
// clusters, Backend/Rapi.hs readData): GET /2/groups?bulk=1, /2/nodes?bulk=1,
// /2/instances?bulk=1 and /2/info from https://CLUSTER:5080 (a CLUSTER with a ':' is
// taken as the URL itself), the server's certificate not verified, as Ganeti's curl
// options do; or, for `file://DIR`, the files groups.json, nodes.json, instances.json and
// info.json of DIR. Parsing is the pure src/htools/rapi-data.ts.
import { request as httpsRequest } from "node:https";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_RAPI_PORT } from "../constants.js";
import type { ClusterData } from "../htools/loader.js";
import { parseRapiData, type RapiBodies } from "../htools/rapi-data.js";
import { type Result, bad, ok } from "../htools/types.js";

const FILE_PREFIX = "file://";
/** Ganeti's connTimeout and queryTimeout (seconds). */
const CONNECT_TIMEOUT_MS = 15_000;
const QUERY_TIMEOUT_MS = 60_000;

/** Ganeti's formatHost. */
export function rapiUrl(master: string): string {
  return master.includes(":") ? master : `https://${master}:${DEFAULT_RAPI_PORT}`;
}

/** libcurl's error for a failed request, as Haskell's curl binding shows its CurlCode. */
function curlCode(e: NodeJS.ErrnoException | Error): string {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "CurlCouldntResolveHost";
  if (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENETUNREACH") return "CurlCouldntConnect";
  if (code === "ETIMEDOUT" || code === "TIMEOUT") return "CurlOperationTimeout";
  if (code === "ECONNRESET" || code === "EPIPE") return "CurlRecvError";
  if (code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS") || code === "EPROTO") return "CurlSSLConnectError";
  if (code === "ERR_INVALID_URL" || code === "ERR_INVALID_PROTOCOL") return "CurlUnsupportedProtocol";
  return "CurlCouldntConnect";
}

/** Ganeti's getUrl: the body whatever the HTTP status (as curl without --fail), or curl's error. */
export function getUrl(url: string): Promise<Result<string>> {
  const failed = (e: Error): Result<string> => bad(`Curl error for '${url}', error ${curlCode(e)}`);
  return new Promise((resolve) => {
    let u: URL;
    try {
      // curl takes a URL without a scheme ("host:port") as http
      u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`);
    } catch (e) {
      resolve(failed(e as Error));
      return;
    }
    const req = u.protocol === "https:" ? httpsRequest(u, { method: "GET", rejectUnauthorized: false })
      : u.protocol === "http:" ? httpRequest(u, { method: "GET" }) : null;
    if (req === null) {
      resolve(failed(Object.assign(new Error("unsupported protocol"), { code: "ERR_INVALID_PROTOCOL" })));
      return;
    }
    const timeout = (): void => {
      req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" }));
    };
    const total = setTimeout(timeout, QUERY_TIMEOUT_MS);
    const connect = setTimeout(timeout, CONNECT_TIMEOUT_MS);
    req.on("socket", (s) => {
      s.once(u.protocol === "https:" ? "secureConnect" : "connect", () => clearTimeout(connect));
    });
    req.on("error", (e) => {
      clearTimeout(total);
      clearTimeout(connect);
      resolve(failed(e));
    });
    req.on("response", (res: IncomingMessage) => {
      clearTimeout(connect);
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (e) => {
        clearTimeout(total);
        resolve(failed(e));
      });
      res.on("end", () => {
        clearTimeout(total);
        resolve(ok(Buffer.concat(chunks).toString("utf8")));
      });
    });
    req.end();
  });
}

/** Ganeti's ioErrToResult over readFile: Haskell's rendering of the IOException. */
async function readBody(path: string): Promise<Result<string>> {
  try {
    return ok(await readFile(path, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist (No such file or directory)" : code === "EACCES" ? "permission denied (Permission denied)"
      : code === "EISDIR" ? "inappropriate type (is a directory)" : (e as Error).message;
    return bad(`${path}: openFile: ${why}`);
  }
}

/** Ganeti's Rapi.readData. */
export async function readRapiBodies(master: string): Promise<RapiBodies> {
  if (master.startsWith(FILE_PREFIX)) {
    const dir = master.slice(FILE_PREFIX.length);
    return {
      groups: await readBody(join(dir, "groups.json")),
      nodes: await readBody(join(dir, "nodes.json")),
      instances: await readBody(join(dir, "instances.json")),
      info: await readBody(join(dir, "info.json")),
    };
  }
  const url = rapiUrl(master);
  return {
    groups: await getUrl(`${url}/2/groups?bulk=1`),
    nodes: await getUrl(`${url}/2/nodes?bulk=1`),
    instances: await getUrl(`${url}/2/instances?bulk=1`),
    info: await getUrl(`${url}/2/info`),
  };
}

/** Ganeti's Rapi.loadData. */
export async function fetchRapiData(master: string): Promise<Result<ClusterData>> {
  return parseRapiData(await readRapiBodies(master));
}
