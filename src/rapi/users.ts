// The RAPI users file (Ganeti's var/lib/ganeti/rapi/users, http/auth.py): one user a line,
// "NAME PASSWORD [OPTIONS]", options comma-separated ("write", "read"); passwords in clear
// text ("{cleartext}pw", or bare when not starting with "{") or as "{ha1}" + the MD5 of
// "NAME:Ganeti Remote API:PASSWORD". Passwords never reach a log.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";

export const AUTH_REALM = "Ganeti Remote API";

export interface RapiUser {
  readonly name: string;
  /** As written in the file, scheme prefix included. */
  readonly password: string;
  readonly options: readonly string[];
}

/** Ganeti's ParsePasswordFile (lines with fewer than two fields are skipped). */
export function parseUsersFile(text: string): Map<string, RapiUser> {
  const users = new Map<string, RapiUser>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (m === null) continue;
    const options = m[3] === undefined ? [] : m[3].split(",").map((o) => o.trim());
    users.set(m[1]!, { name: m[1]!, password: m[2]!, options });
  }
  return users;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Ganeti's VerifyBasicAuthPassword. */
export function verifyPassword(user: RapiUser, password: string): boolean {
  const expected = user.password.startsWith("{") ? user.password : `{CLEARTEXT}${user.password}`;
  const end = expected.indexOf("}", 1);
  if (end <= 1) return false;
  const scheme = expected.slice(0, end + 1).toUpperCase();
  const want = expected.slice(end + 1);
  if (scheme === "{CLEARTEXT}") return sameText(password, want);
  if (scheme === "{HA1}") {
    const ha1 = createHash("md5").update(`${user.name}:${AUTH_REALM}:${password}`).digest("hex");
    return sameText(want.toLowerCase(), ha1);
  }
  return false;
}

/** Reads the users file; a missing file means no users (as Ganeti, which warns). */
export async function loadUsersFile(path: string): Promise<{ users: Map<string, RapiUser>; missing: boolean }> {
  try {
    return { users: parseUsersFile(await readFile(path, "utf8")), missing: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { users: new Map(), missing: true };
    throw e;
  }
}
