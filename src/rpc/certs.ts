// The cluster certificate (Ganeti's server.pem: certificate and key in one file). The same
// certificate authenticates every node to every other, in both directions (mutual TLS).
import { webcrypto, createHash, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { X509CertError } from "../errors.js";

/** The X.509 library is loaded only when a certificate is made (it is heavy to load). */
async function x509lib(): Promise<typeof import("@peculiar/x509")> {
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  return x509;
}

export interface ClusterCert {
  readonly certPem: string;
  readonly keyPem: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex, as node's TLS layer reports it. */
  readonly fingerprint: string;
  /**
   * During a certificate renewal (gnt-cluster renew-crypto): the other certificate (PEM)
   * a peer may present, the next one before this node switches, the previous one after.
   */
  readonly peerCerts?: readonly string[];
}

/** Whether a peer presenting the certificate with this fingerprint belongs to the cluster. */
export function acceptsPeer(cert: ClusterCert, fingerprint: string): boolean {
  return fingerprint === cert.fingerprint || (cert.peerCerts ?? []).some((p) => fingerprintOf(p) === fingerprint);
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

export async function generateClusterCert(commonName: string, validDays = 5 * 365): Promise<ClusterCert> {
  const x509 = await x509lib();
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: createHash("sha256").update(`${commonName}${now.getTime()}${Math.random()}`).digest("hex").slice(0, 16),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + validDays * 86400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const certPem = cert.toString("pem") + "\n";
  const keyPem = toPem(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
  return { certPem, keyPem, fingerprint: fingerprintOf(certPem) };
}

/** server.pem holds the key and the certificate, as Ganeti's does. */
export function serializeServerPem(c: ClusterCert): string {
  return c.keyPem + c.certPem;
}

export function parseServerPem(text: string): ClusterCert {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text);
  const key = /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----\n?/.exec(text);
  if (cert === null || key === null) throw new X509CertError("server.pem lacks a certificate or a private key");
  const certPem = cert[0].endsWith("\n") ? cert[0] : cert[0] + "\n";
  const keyPem = key[0].endsWith("\n") ? key[0] : key[0] + "\n";
  return { certPem, keyPem, fingerprint: fingerprintOf(certPem) };
}

/**
 * The node's certificate: server.pem, and while a renewal is under way the staged
 * (server.pem.new) and previous (server.pem.old) certificates as accepted peers, so that a
 * daemon restarted in the middle of a renewal still talks to every node.
 */
export async function loadNodeCert(path: string): Promise<ClusterCert | null> {
  const cert = await loadServerPem(path);
  if (cert === null) return null;
  const peers: string[] = [];
  for (const extra of [`${path}.new`, `${path}.old`]) {
    const c = await loadServerPem(extra).catch(() => null);
    if (c !== null && c.fingerprint !== cert.fingerprint) peers.push(c.certPem);
  }
  return peers.length > 0 ? { ...cert, peerCerts: peers } : cert;
}

export async function loadServerPem(path: string): Promise<ClusterCert | null> {
  try {
    return parseServerPem(await readFile(path, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Ganeti's SSL_CERT_EXPIRATION_WARN / _ERROR: days before the end of validity. */
export const CERT_EXPIRATION_WARN_DAYS = 30;
export const CERT_EXPIRATION_ERROR_DAYS = 7;

/**
 * Ganeti's VerifyCertificate for gnt-cluster verify: an error when the certificate can't be
 * read, has expired or expires within 7 days, a warning within 30 days or when not yet
 * valid; the message names the file as Ganeti's does.
 */
export function verifyCertificate(file: string, pem: string | null, now: number): { level: "error" | "warning"; msg: string } | null {
  let cert: X509Certificate;
  try {
    if (pem === null) throw new Error("no such file");
    cert = new X509Certificate(pem);
  } catch (e) {
    return { level: "error", msg: `Failed to load X509 certificate ${file}: ${(e as Error).message}` };
  }
  const from = Date.parse(cert.validFrom) / 1000;
  const to = Date.parse(cert.validTo) / 1000;
  const fmt = (s: number): string => new Date(s * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
  const at = (level: "error" | "warning", msg: string) => ({ level, msg: `While verifying ${file}: ${msg}` });
  if (to < now) return at("error", `Certificate is expired (valid from ${fmt(from)} to ${fmt(to)})`);
  if (from > now) return at("warning", `Certificate not yet valid (valid from ${fmt(from)})`);
  const days = Math.floor((to - now) / 86400);
  if (days <= CERT_EXPIRATION_ERROR_DAYS) return at("error", `Certificate expires in about ${days} days`);
  if (days <= CERT_EXPIRATION_WARN_DAYS) return at("warning", `Certificate expires in about ${days} days`);
  return null;
}
