// One-time join tokens: how a new node gets the cluster certificate without SSH.
// A token is "<id>.<secret>.<cluster cert fingerprint>". The new node's daemon only talks
// to a client presenting the certificate with that fingerprint (the master); the master
// sends the cluster key encrypted with a key derived from the secret, so only the holder
// of the token can read it. See docs/design/node-join.md.
import { randomBytes, hkdfSync, createCipheriv, createDecipheriv } from "node:crypto";
import { OpPrereqError, ErrorCode } from "../errors.js";

export interface JoinToken {
  readonly id: string;
  readonly secret: string;
  readonly fingerprint: string;
}

export function newJoinToken(fingerprint: string): JoinToken {
  return { id: randomBytes(6).toString("hex"), secret: randomBytes(24).toString("base64url"), fingerprint };
}

export function formatJoinToken(t: JoinToken): string {
  return `${t.id}.${t.secret}.${t.fingerprint.replaceAll(":", "").toLowerCase()}`;
}

export function parseJoinToken(text: string): JoinToken {
  const m = /^([0-9a-f]{12})\.([A-Za-z0-9_-]{32})\.([0-9a-f]{64})$/.exec(text.trim());
  if (m === null) throw new OpPrereqError("Invalid join token", ErrorCode.inval);
  const fp = (m[3] ?? "").toUpperCase().match(/../g)?.join(":") ?? "";
  return { id: m[1] ?? "", secret: m[2] ?? "", fingerprint: fp };
}

function keyOf(t: JoinToken): Buffer {
  return Buffer.from(hkdfSync("sha256", t.secret, t.id, "ganeti-ts node join", 32));
}

export interface SealedPayload {
  readonly iv: string;
  readonly tag: string;
  readonly payload: string;
}

export function sealForNode(t: JoinToken, plaintext: string): SealedPayload {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", keyOf(t), iv);
  const enc = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
  return { iv: iv.toString("base64"), tag: c.getAuthTag().toString("base64"), payload: enc.toString("base64") };
}

export function openSealed(t: JoinToken, s: SealedPayload): string {
  const d = createDecipheriv("aes-256-gcm", keyOf(t), Buffer.from(s.iv, "base64"));
  d.setAuthTag(Buffer.from(s.tag, "base64"));
  return Buffer.concat([d.update(Buffer.from(s.payload, "base64")), d.final()]).toString("utf8");
}
