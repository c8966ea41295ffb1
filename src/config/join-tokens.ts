// The master's outstanding join tokens ($ROOT/var/lib/ganeti/join-tokens.json, mode 0600).
// Each is used once: taking it removes it. Expired tokens are dropped.
import { readFile } from "node:fs/promises";
import type { GanetiPaths } from "../util/paths.js";
import { atomicWrite } from "../util/fs.js";
import { newJoinToken, formatJoinToken, type JoinToken } from "../rpc/join-token.js";

interface Entry {
  readonly secret: string;
  readonly fingerprint: string;
  readonly expires: number;
}

export const JOIN_TOKEN_LIFETIME_S = 24 * 3600;

async function load(paths: GanetiPaths): Promise<Record<string, Entry>> {
  try {
    const all = JSON.parse(await readFile(paths.joinTokensDb, "utf8")) as Record<string, Entry>;
    const now = Date.now() / 1000;
    return Object.fromEntries(Object.entries(all).filter(([, e]) => e.expires > now));
  } catch {
    return {};
  }
}

export async function createJoinToken(paths: GanetiPaths, fingerprint: string): Promise<string> {
  const db = await load(paths);
  const t = newJoinToken(fingerprint);
  db[t.id] = { secret: t.secret, fingerprint, expires: Date.now() / 1000 + JOIN_TOKEN_LIFETIME_S };
  await atomicWrite(paths.joinTokensDb, JSON.stringify(db), { mode: 0o600 });
  return formatJoinToken(t);
}

export async function takeJoinToken(paths: GanetiPaths, id: string): Promise<JoinToken | null> {
  const db = await load(paths);
  const e = db[id];
  if (e === undefined) return null;
  delete db[id];
  await atomicWrite(paths.joinTokensDb, JSON.stringify(db), { mode: 0o600 });
  return { id, secret: e.secret, fingerprint: e.fingerprint };
}
