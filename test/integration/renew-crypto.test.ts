// gnt-cluster renew-crypto on a 3-node devcluster: a new cluster certificate reaches every
// node while a drbd instance keeps mirroring, jobs and verify still work afterwards, the old
// certificate is refused by every node; the RAPI certificate (new, or from a file) lands on
// every node and the running RAPI presents it; Ganeti's option checks, and clear refusals
// for what needs parts not built.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile, access } from "node:fs/promises";
import { connect } from "node:tls";
import { join } from "node:path";
import { DevCluster, rows, waitListening } from "../helpers/devcluster.js";
import { RpcClient } from "../../src/rpc/client.js";
import { generateClusterCert, parseServerPem, serializeServerPem, fingerprintOf } from "../../src/rpc/certs.js";

let c: DevCluster;
before(async () => {
  c = await DevCluster.up(3, 28);
});
after(async () => {
  await c?.destroy();
});

const NODES = ["node1", "node2", "node3"];
const pemOf = (node: string, file = "server.pem"): Promise<string> => readFile(join(c.root(node), "var/lib/ganeti", file), "utf8");


/** The certificate a TLS server presents, by its SHA-256 fingerprint. */
function presented(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: ip, port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.on("error", reject);
  });
}

test("a new cluster certificate on every node, nothing cut off, the old one refused", async () => {
  await c.ok("gnt-instance", "add", "-t", "drbd", "-s", "8M", "-o", "image+default", "-n", "node1:node2", "--no-name-check", "mirrored");
  const old = parseServerPem(await pemOf("node1"));
  for (const n of NODES) assert.equal(parseServerPem(await pemOf(n)).fingerprint, old.fingerprint, n);
  const r = await c.on("node1", "gnt-cluster", "renew-crypto", "-f", "--new-cluster-certificate");
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], 'Updating certificates now. Running "gnt-cluster verify"  is recommended after this operation.');
  assert.ok(lines.some((l) => l.endsWith("Updating the cluster SSL certificate.")), r.stdout);
  for (const n of NODES) assert.ok(lines.some((l) => l.endsWith(`Switching ${n} to the new certificate`)), r.stdout);
  assert.equal(lines.at(-2), 'All requested certificates and keys have been replaced. Running "gnt-cluster verify" now is recommended.');
  const next = parseServerPem(await pemOf("node1"));
  assert.notEqual(next.fingerprint, old.fingerprint);
  for (const n of NODES) {
    assert.equal(parseServerPem(await pemOf(n)).fingerprint, next.fingerprint, n);
    // Settled: no staged or previous certificate is left to be trusted.
    await assert.rejects(access(join(c.root(n), "var/lib/ganeti/server.pem.new")));
    await assert.rejects(access(join(c.root(n), "var/lib/ganeti/server.pem.old")));
  }
  // The master's daemon works with the new certificate: jobs touching every node, verify.
  await c.ok("gnt-instance", "failover", "-f", "mirrored");
  assert.deepEqual(rows(await c.ok("gnt-instance", "list", "--no-headers", "--separator=|", "-o", "pnode,snodes,status", "mirrored")),
    [["node2", "node1", "running"]]);
  const v = await c.on("node1", "gnt-cluster", "verify");
  assert.doesNotMatch(v.stdout, /ERROR/, v.stdout);
  assert.match(await c.ok("gnt-node", "list", "-o", "name,mtotal"), /node3 +\d+/);
  // The old certificate opens no door any more; the new one does.
  const withOld = new RpcClient({ cert: old, connectTimeout: 3 });
  const withNew = new RpcClient({ cert: next, connectTimeout: 3 });
  try {
    for (const i of [1, 2, 3]) {
      const target = { name: `node${i}`, ip: c.ip(i) };
      assert.equal((await withOld.call(target, "version", {})).ok, false, `node${i} still answers the old certificate`);
      assert.equal((await withNew.call(target, "version", {})).ok, true, `node${i} refuses the new certificate`);
    }
  } finally {
    await withOld.close();
    await withNew.close();
  }
});

test("the RAPI certificate: new or from a file, on every node, presented by the running RAPI", async () => {
  await waitListening(c.ip(1), 5080);
  const before = await presented(c.ip(1), 5080);
  assert.equal(before, parseServerPem(await pemOf("node1")).fingerprint); // no rapi.pem yet: the cluster certificate
  const r = await c.on("node1", "gnt-cluster", "renew-crypto", "-f", "--new-rapi-certificate");
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Copying \/var\/lib\/ganeti\/rapi\.pem to node2\nCopying \/var\/lib\/ganeti\/rapi\.pem to node3\n/);
  const rapi = await pemOf("node1", "rapi.pem");
  for (const n of NODES) assert.equal(await pemOf(n, "rapi.pem"), rapi, n);
  const fp = parseServerPem(rapi).fingerprint;
  assert.notEqual(fp, before);
  // The RAPI reloads on SIGHUP, sent by the command: give it a moment.
  for (let i = 0; i < 50 && (await presented(c.ip(1), 5080)) !== fp; i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal(await presented(c.ip(1), 5080), fp);

  // An administrator's own certificate file, checked before anything is asked or written.
  const mine = await generateClusterCert("rapi.example.org");
  const file = join(c.root("node1"), "mine.pem");
  await writeFile(file, serializeServerPem(mine));
  await c.ok("gnt-cluster", "renew-crypto", "-f", "--rapi-certificate", file);
  for (const n of NODES) assert.equal(fingerprintOf(await pemOf(n, "rapi.pem")), mine.fingerprint, n);
  const other = await generateClusterCert("other");
  await writeFile(file, other.keyPem + mine.certPem);
  const bad = await c.on("node1", "gnt-cluster", "renew-crypto", "-f", "--rapi-certificate", file);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, `Unable to load X509 certificate from ${file}: Unable to load private key: it does not belong to the certificate\n`);
  await writeFile(file, mine.certPem);
  const nokey = await c.on("node1", "gnt-cluster", "renew-crypto", "-f", "--rapi-certificate", file);
  assert.equal(nokey.stderr, `Unable to load X509 certificate from ${file}: Unable to load private key: no private key found\n`);
  for (const n of NODES) assert.equal(fingerprintOf(await pemOf(n, "rapi.pem")), mine.fingerprint, n);
});

test("Ganeti's option checks; what is not built is refused, nothing changed", async () => {
  const before = await pemOf("node1");
  const cases: Array<[string[], string]> = [
    [["--new-rapi-certificate", "--rapi-certificate", "/x"], "Only one of the --new-rapi-certificate and --rapi-certificate options can be specified at the same time.\n"],
    [["--new-cluster-domain-secret", "--cluster-domain-secret", "/x"], "Only one of the --new-cluster-domain-secret and --cluster-domain-secret options can be specified at the same time.\n"],
    [["--spice-certificate", "/x"], "Both --spice-certificate and --spice-ca-certificate must be specified.\n"],
    [["--new-ssh-keys"], "Renewing SSH keys is not supported by ganeti-ts (nodes join and talk without SSH)\n"],
    [["--new-confd-hmac-key"], "Renewing the confd HMAC key is not supported by ganeti-ts (no ganeti-confd)\n"],
  ];
  for (const [args, stderr] of cases) {
    const r = await c.on("node1", "gnt-cluster", "renew-crypto", "-f", ...args);
    assert.equal(r.code, 1, args.join(" "));
    assert.equal(r.stderr, stderr, args.join(" "));
  }
  assert.equal(await pemOf("node1"), before);
});
