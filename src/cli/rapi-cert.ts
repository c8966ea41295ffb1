// The RAPI certificate for gnt-cluster renew-crypto: a file's key and certificate checked
// (Ganeti's _ReadAndVerifyCert), and rapi.pem written here and sent to the other nodes.
import { readFile } from "node:fs/promises";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { ganetiPaths, displayPath } from "../util/paths.js";
import { myHostname } from "../util/identity.js";
import { atomicWrite } from "../util/fs.js";
import { daemonPid } from "../util/daemon.js";
import { out } from "./framework.js";
import { GenericError } from "../errors.js";

/** Ganeti's _ReadAndVerifyCert with the key required: the file's key and certificate, or why not. */
export async function readCertWithKey(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new GenericError(`Unable to load X509 certificate from ${file}: ${(e as Error).message}`);
  }
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  const key = /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----/.exec(text)?.[0];
  let x509: X509Certificate;
  try {
    if (cert === undefined) throw new Error("no certificate found");
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new GenericError(`Unable to load X509 certificate from ${file}: Unable to load certificate: ${(e as Error).message}`);
  }
  try {
    if (key === undefined) throw new Error("no private key found");
    // Beyond Ganeti: a key that does not belong to the certificate would break the RAPI.
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error("it does not belong to the certificate");
  } catch (e) {
    throw new GenericError(`Unable to load X509 certificate from ${file}: Unable to load private key: ${(e as Error).message}`);
  }
  return `${key}\n${cert}\n`;
}

/** Writes rapi.pem here and on every other online node, then makes the local RAPI reload it. */
export async function installRapiCert(pem: string): Promise<void> {
  const paths = ganetiPaths();
  const boot = await import("./bootstrap.js");
  await atomicWrite(paths.rapiPem, pem, { mode: 0o600 });
  const me = await myHostname(paths);
  const others = (await boot.ssconfNodes(paths)).filter((n) => n.name !== me);
  if (others.length > 0) {
    const { rpc } = await boot.rpcFromLocalCert(paths);
    try {
      for (const n of others) {
        out(`Copying ${displayPath(paths, paths.rapiPem)} to ${n.name}`);
        (await rpc.call(n, "upload_file", { file: "rapi_pem", content: pem })).raise(`Could not copy the RAPI certificate to ${n.name}`);
      }
    } finally {
      await rpc.close();
    }
  }
  const pid = await daemonPid(paths, "ganeti-rapi");
  if (pid !== null) process.kill(pid, "SIGHUP");
}
