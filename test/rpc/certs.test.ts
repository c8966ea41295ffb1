// The cluster certificate's checks: gnt-cluster verify's expiry verdicts (Ganeti's 30 and
// 7 days), and the peers a node accepts while a renewal is under way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptsPeer, generateClusterCert, verifyCertificate } from "../../src/rpc/certs.js";

test("verify: expired, expiring within 7 days, within 30 days, fine, unreadable", async () => {
  const now = Date.now() / 1000 + 150;
  const days = async (d: number) => verifyCertificate("/var/lib/ganeti/server.pem", (await generateClusterCert("c", d)).certPem, now);
  assert.deepEqual(await days(365), null);
  assert.deepEqual(await days(20), { level: "warning", msg: "While verifying /var/lib/ganeti/server.pem: Certificate expires in about 19 days" });
  assert.deepEqual(await days(5), { level: "error", msg: "While verifying /var/lib/ganeti/server.pem: Certificate expires in about 4 days" });
  const expired = await days(-1);
  assert.equal(expired?.level, "error");
  assert.match(expired?.msg ?? "", /^While verifying \/var\/lib\/ganeti\/server\.pem: Certificate is expired \(valid from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d to \d{4}-/);
  assert.deepEqual(verifyCertificate("/x.pem", "garbage", now)?.level, "error");
  assert.match(verifyCertificate("/x.pem", null, now)?.msg ?? "", /^Failed to load X509 certificate \/x\.pem: /);
});

test("peers: only the cluster certificate, plus the other one during a renewal", async () => {
  const [a, b, c] = await Promise.all([generateClusterCert("a"), generateClusterCert("b"), generateClusterCert("c")]);
  assert.ok(acceptsPeer(a, a.fingerprint));
  assert.ok(!acceptsPeer(a, b.fingerprint));
  const renewing = { ...a, peerCerts: [b.certPem] };
  assert.ok(acceptsPeer(renewing, b.fingerprint));
  assert.ok(!acceptsPeer(renewing, c.fingerprint));
});
