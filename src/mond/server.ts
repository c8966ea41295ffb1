// ganeti-mond's HTTP API (Ganeti's Monitoring/Server.hs): GET / gives the API versions
// ([1]); /1 gives null; /1/list/collectors the active collectors as [name, category, kind];
// /1/report/all every active collector's report; /1/report/CATEGORY/NAME one report
// ("default" is the category of those without one). Plus /metrics, the reports in
// Prometheus's text format. Plain HTTP, read-only, as Ganeti's.
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { Logger } from "pino";
import { encodeReport, type DCReport } from "../monitoring/report.js";
import { categoryName, collectorReport, type Collector } from "./collectors.js";
import { prometheusText } from "./metrics.js";

export const MOND_API_VERSION = 1;
const CATEGORIES = new Set(["instance", "storage", "daemon", "hypervisor", "default"]);

export interface MondState {
  /** The collectors the cluster has switched on, re-read at every request. */
  active(): Promise<readonly Collector[]>;
  nowUs(): number;
}

function send(reply: FastifyReply, code: number, body: string, type = "application/json"): FastifyReply {
  return reply.code(code).header("content-type", type).send(body);
}

async function reportsOf(state: MondState, cs: readonly Collector[]): Promise<DCReport[]> {
  const now = state.nowUs();
  return Promise.all(cs.map((c) => collectorReport(c, now)));
}

export function buildMondServer(state: MondState, log: Logger): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get("/*", async (req, reply) => {
    const path = req.url.split("?")[0]!.replace(/\/+$/, "") || "/";
    const parts = path.split("/").filter((p) => p !== "");
    if (parts.length === 0) return send(reply, 200, JSON.stringify([MOND_API_VERSION]));
    if (parts[0] !== "1") return send(reply, 404, "Resource not found", "text/plain");
    if (parts.length === 1) return send(reply, 200, "null");
    if (parts[1] === "list" && parts[2] === "collectors" && parts.length === 3) {
      const list = (await state.active()).map((c) => [c.name, categoryName(c), c.kind]);
      return send(reply, 200, JSON.stringify(list));
    }
    if (parts[1] === "report") {
      const active = await state.active();
      if (parts[2] === "all" && parts.length === 3) {
        return send(reply, 200, `[${(await reportsOf(state, active)).map(encodeReport).join(",")}]`);
      }
      const [, , category, name] = parts;
      const c = parts.length === 4 && CATEGORIES.has(category!) ? active.find((x) => x.name === name && categoryName(x) === category) : undefined;
      if (c === undefined) return send(reply, 404, "Unable to produce a report for the requested resource", "text/plain");
      return send(reply, 200, encodeReport((await reportsOf(state, [c]))[0]!));
    }
    return send(reply, 404, "Resource not found", "text/plain");
  });
  app.get("/metrics", async (_req, reply) => {
    const m = await prometheusText(await reportsOf(state, await state.active()));
    return send(reply, 200, m.text, m.contentType);
  });
  app.setErrorHandler((e, _req, reply) => {
    log.error({ err: e instanceof Error ? e.message : String(e) }, "request failed");
    void send(reply, 500, "Internal error", "text/plain");
  });
  return app;
}
