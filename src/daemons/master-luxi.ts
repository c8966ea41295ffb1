// The luxi methods masterd answers, mapped onto the job queue, the config and queries.
import { arch } from "node:os";
import type { MasterServices } from "./services.js";
import type { LuxiHandler } from "../luxi/server.js";
import { LuxiMethod } from "../luxi/protocol.js";
import {
  RELEASE_VERSION, PROTOCOL_VERSION, CONFIG_VERSION, OS_API_VERSION, EXPORT_VERSION,
} from "../constants.js";
import { atomicWrite, readTextOrNull } from "../util/fs.js";
import { rm } from "node:fs/promises";
import { runQuery, queryFields, queryJobsOldStyle } from "./master-query.js";
import { OpPrereqError, ErrorCode } from "../errors.js";
import { LUTagsGet } from "../cmdlib/tags.js";

function num(x: unknown, what: string): number {
  const n = typeof x === "string" ? Number(x) : x;
  if (typeof n !== "number" || !Number.isInteger(n)) throw new OpPrereqError(`Invalid ${what} '${String(x)}'`, ErrorCode.inval);
  return n;
}

export function clusterInfo(s: MasterServices): Record<string, unknown> {
  const cfg = s.config.get();
  const c = cfg.cluster;
  return {
    software_version: RELEASE_VERSION,
    protocol_version: PROTOCOL_VERSION,
    config_version: CONFIG_VERSION,
    os_api_version: OS_API_VERSION,
    export_version: EXPORT_VERSION,
    vcs_version: "ganeti-ts",
    architecture: [arch() === "x64" ? "64bit" : "32bit", arch() === "x64" ? "x86_64" : arch()],
    name: c.cluster_name,
    master: s.config.masterNode().name,
    default_hypervisor: c.enabled_hypervisors[0] ?? "",
    enabled_hypervisors: c.enabled_hypervisors,
    hvparams: c.hvparams,
    os_hvp: c.os_hvp ?? {},
    beparams: c.beparams,
    osparams: c.osparams ?? {},
    ipolicy: c.ipolicy,
    nicparams: c.nicparams,
    ndparams: c.ndparams,
    diskparams: c.diskparams,
    candidate_pool_size: c.candidate_pool_size,
    max_running_jobs: c["max_running_jobs"] ?? 20,
    max_tracked_jobs: c["max_tracked_jobs"] ?? 25,
    mac_prefix: c.mac_prefix,
    master_netdev: c.master_netdev,
    master_netmask: c.master_netmask,
    use_external_mip_script: c.use_external_mip_script ?? false,
    volume_group_name: c.volume_group_name ?? "",
    drbd_usermode_helper: c.drbd_usermode_helper ?? "",
    file_storage_dir: c.file_storage_dir ?? "",
    shared_file_storage_dir: c.shared_file_storage_dir ?? "",
    gluster_storage_dir: c.gluster_storage_dir ?? "",
    maintain_node_health: c.maintain_node_health ?? false,
    ctime: c.ctime,
    mtime: c.mtime,
    uuid: c.uuid,
    tags: [...(c.tags ?? [])],
    uid_pool: c["uid_pool"] ?? [],
    default_iallocator: c.default_iallocator ?? "",
    default_iallocator_params: c.default_iallocator_params ?? {},
    reserved_lvs: c.reserved_lvs ?? [],
    primary_ip_version: c.primary_ip_family === 10 ? 6 : 4,
    prealloc_wipe_disks: c.prealloc_wipe_disks ?? false,
    hidden_os: c.hidden_os ?? [],
    blacklisted_os: c.blacklisted_os ?? [],
    enabled_disk_templates: c.enabled_disk_templates ?? [],
    compression_tools: [...(c.compression_tools ?? [])],
    modify_etc_hosts: c.modify_etc_hosts ?? true,
    enabled_user_shutdown: c.enabled_user_shutdown ?? false,
    // Ganeti's QueryClusterInfo: the data collectors as two maps by name
    enabled_data_collectors: Object.fromEntries(Object.entries(c.data_collectors ?? {}).map(([n, p]) => [n, p["active"] !== false])),
    data_collector_interval: Object.fromEntries(Object.entries(c.data_collectors ?? {}).map(([n, p]) => [n, p["interval"] ?? 0])),
  };
}

export function luxiHandlers(s: MasterServices): Map<string, LuxiHandler> {
  const h = new Map<string, LuxiHandler>();
  h.set(LuxiMethod.submitJob, async ([ops]) => (await s.queue.submit([ops as unknown[]]))[0]);
  h.set(LuxiMethod.submitJobToDrainedQueue, async ([ops]) => (await s.queue.submit([ops as unknown[]], { ignoreDrain: true }))[0]);
  h.set(LuxiMethod.submitManyJobs, async ([jobs]) => {
    const ids = await s.queue.submit(jobs as unknown[][]);
    return ids.map((id) => [true, id]);
  });
  h.set(LuxiMethod.waitForJobChange, async ([id, fields, prevInfo, prevSerial, timeout]) => {
    // The change is judged on the durable status (the first of the fields, as clients ask).
    const prevStatus = Array.isArray(prevInfo) && typeof prevInfo[0] === "string" ? prevInfo[0] : null;
    const jobId = num(id, "job id");
    const r = await s.queue.waitForChange(jobId, prevStatus, typeof prevSerial === "number" ? prevSerial : -1,
      Math.min(30_000, Math.max(0, Number(timeout ?? 10) * 1000)));
    const want = Array.isArray(fields) ? fields.map(String) : ["status"];
    if (r === null || r === "nochange" || (want.length === 1 && want[0] === "status")) return r;
    // Other fields as QueryJobs gives them, the status the durable one.
    const row = (await queryJobsOldStyle(s, [jobId], want))[0] ?? [];
    return { job_info: want.map((f, i) => (f === "status" ? r.job_info[0] : (row as unknown[])[i] ?? null)), log_entries: r.log_entries };
  });
  h.set(LuxiMethod.cancelJob, async ([id]) => s.queue.cancel(num(id, "job id")));
  h.set(LuxiMethod.changeJobPriority, async ([id, prio]) => s.queue.changePriority(num(id, "job id"), num(prio, "priority")));
  h.set(LuxiMethod.archiveJob, async ([id]) => s.queue.archive(num(id, "job id")));
  h.set(LuxiMethod.autoArchiveJobs, async ([age, timeout]) => s.queue.autoArchive(Number(age), Number(timeout ?? -1)));
  h.set(LuxiMethod.queryJobs, async ([ids, fields]) => queryJobsOldStyle(s, ids as number[] | null, fields as string[]));
  h.set(LuxiMethod.query, async ([what, fields, qfilter]) => runQuery(s, String(what), fields as string[], qfilter ?? null));
  h.set(LuxiMethod.queryFields, async ([what, fields]) => queryFields(String(what), (fields as string[] | null) ?? null));
  h.set(LuxiMethod.queryClusterInfo, async () => clusterInfo(s));
  h.set(LuxiMethod.queryConfigValues, async ([names]) => {
    const cfg = s.config.get();
    const pause = await readTextOrNull(s.paths.watcherPauseFile);
    const values: Record<string, unknown> = {
      cluster_name: cfg.cluster.cluster_name,
      master_node: s.config.masterNode().name,
      drain_flag: s.queue.isDrained(),
      watcher_pause: pause === null ? null : Number(pause.trim()) > Date.now() / 1000 ? Number(pause.trim()) : null,
      default_hypervisor: cfg.cluster.enabled_hypervisors[0] ?? null,
    };
    return (names as string[]).map((n) => {
      if (!(n in values)) throw new OpPrereqError(`Unknown config value '${n}'`, ErrorCode.inval);
      return values[n];
    });
  });
  h.set(LuxiMethod.queryTags, async ([kind, name]) => {
    const lu = new LUTagsGet({ OP_ID: "OP_TAGS_GET", kind, name }, {
      config: s.config, rpc: s.rpc, paths: s.paths, jobId: 0, masterName: "", feedback: () => undefined,
      daemon: { requestShutdown: () => undefined },
    });
    lu.checkPrereq();
    return (await lu.exec()).result;
  });
  h.set(LuxiMethod.setDrainFlag, async ([flag]) => {
    await s.queue.setDrainFlag(flag === true);
    return true;
  });
  h.set(LuxiMethod.setWatcherPause, async ([until]) => {
    if (until === null || until === undefined) await rm(s.paths.watcherPauseFile, { force: true });
    else await atomicWrite(s.paths.watcherPauseFile, `${Number(until)}\n`);
    return until ?? null;
  });
  h.set(LuxiMethod.queryQueueInfo, async () => s.queue.stats());
  h.set("QueryLocks", async () => s.locks.snapshot());
  return h;
}
