// Luxi: the local socket protocol between the CLI (or RAPI) and ganeti-masterd, as
// Ganeti's: one JSON object per message, terminated by ETX (0x03).
import { PROTOCOL_VERSION } from "../constants.js";

export const ETX = "\x03";

export const LuxiMethod = {
  submitJob: "SubmitJob",
  submitJobToDrainedQueue: "SubmitJobToDrainedQueue",
  submitManyJobs: "SubmitManyJobs",
  waitForJobChange: "WaitForJobChange",
  cancelJob: "CancelJob",
  changeJobPriority: "ChangeJobPriority",
  archiveJob: "ArchiveJob",
  autoArchiveJobs: "AutoArchiveJobs",
  query: "Query",
  queryFields: "QueryFields",
  queryJobs: "QueryJobs",
  queryClusterInfo: "QueryClusterInfo",
  queryConfigValues: "QueryConfigValues",
  queryTags: "QueryTags",
  setDrainFlag: "SetDrainFlag",
  setWatcherPause: "SetWatcherPause",
  queryQueueInfo: "QueryQueueInfo",
} as const;
export type LuxiMethod = (typeof LuxiMethod)[keyof typeof LuxiMethod];

export interface LuxiRequest {
  readonly method: string;
  readonly args: readonly unknown[];
  readonly version?: number;
}

export interface LuxiResponse {
  readonly success: boolean;
  readonly result: unknown;
  readonly version?: number;
}

export function encodeRequest(method: string, args: readonly unknown[]): string {
  return JSON.stringify({ method, args, version: PROTOCOL_VERSION }) + ETX;
}

export function encodeResponse(success: boolean, result: unknown): string {
  return JSON.stringify({ success, result, version: PROTOCOL_VERSION }) + ETX;
}

/** Splits a byte stream into ETX-terminated messages. */
export class MessageSplitter {
  private buf = "";
  push(chunk: string): string[] {
    this.buf += chunk;
    const parts = this.buf.split(ETX);
    this.buf = parts.pop() ?? "";
    return parts;
  }
}
