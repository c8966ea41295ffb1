// gnt-cluster renew-crypto, as Ganeti's: checks its options, asks, then replaces what was
// asked for. The cluster certificate (also --new-node-certificates: our nodes' certificates
// are the cluster's) goes through OP_CLUSTER_RENEW_CRYPTO, which swaps it on every node
// without cutting any off. The RAPI certificate (rapi.pem, new or from a file) is written
// here and sent to the other nodes over the node RPC, where Ganeti copies it over SSH.
// What needs parts not built (SPICE, confd, inter-cluster moves, SSH) is refused clearly.
import { ganetiPaths } from "../util/paths.js";
import { readSsconf } from "../util/ssconf.js";
import { out, err, COMMON, type CommandTable } from "./framework.js";
import { runOpcode } from "./jobs.js";
import { confirm } from "./prompt.js";
// The certificate work (node:crypto, file writes, node RPC) loads only when asked for, so
// that every other gnt-cluster command starts without it.
const rapiCert = (): Promise<typeof import("./rapi-cert.js")> => import("./rapi-cert.js");

export const renewCryptoCommand: CommandTable = {
  "renew-crypto": {
    summary: "Renews cluster certificates, keys and secrets",
    usage: "[-f] [--new-cluster-certificate] [--new-node-certificates] [--new-rapi-certificate | --rapi-certificate FILE]",
    args: [0, 0],
    options: {
      force: COMMON.force,
      "new-cluster-certificate": { type: "boolean", help: "Generate new cluster certificate" },
      "new-node-certificates": { type: "boolean", help: "Generate new node certificates (ganeti-ts: the cluster certificate)" },
      "new-rapi-certificate": { type: "boolean", help: "Generate a new self-signed RAPI certificate" },
      "rapi-certificate": { type: "string", help: "File containing new RAPI certificate", metavar: "FILE" },
      "new-spice-certificate": { type: "boolean", help: "Generate new SPICE certificate" },
      "spice-certificate": { type: "string", help: "File containing new SPICE certificate", metavar: "FILE" },
      "spice-ca-certificate": { type: "string", help: "File containing the certificate of the CA which signed the SPICE certificate", metavar: "FILE" },
      "new-confd-hmac-key": { type: "boolean", help: "Create a new HMAC key for confd" },
      "new-cluster-domain-secret": { type: "boolean", help: "Create a new cluster domain secret" },
      "cluster-domain-secret": { type: "string", help: "Load new new cluster domain secret from file", metavar: "FILE" },
      "new-ssh-keys": { type: "boolean", help: "Renew the cluster's SSH key pairs" },
      "ssh-key-type": { type: "string", help: "Type of SSH key to generate", metavar: "TYPE" },
      "ssh-key-bits": { type: "string", help: "Size in bits of the SSH key to generate", metavar: "BITS" },
      verbose: COMMON.verbose,
      debug: COMMON.debug,
    },
    async run(o) {
      out('Updating certificates now. Running "gnt-cluster verify"  is recommended after this operation.');
      const has = (k: string): boolean => o[k] !== undefined && o[k] !== false;
      if (has("new-rapi-certificate") && has("rapi-certificate")) {
        err("Only one of the --new-rapi-certificate and --rapi-certificate options can be specified at the same time.");
        return 1;
      }
      if (has("new-cluster-domain-secret") && has("cluster-domain-secret")) {
        err("Only one of the --new-cluster-domain-secret and --cluster-domain-secret options can be specified at the same time.");
        return 1;
      }
      if (has("new-spice-certificate") && (has("spice-certificate") || has("spice-ca-certificate"))) {
        err("When using --new-spice-certificate, the --spice-certificate and --spice-ca-certificate must not be used.");
        return 1;
      }
      if (has("spice-certificate") !== has("spice-ca-certificate")) {
        err("Both --spice-certificate and --spice-ca-certificate must be specified.");
        return 1;
      }
      const notBuilt: Array<[string[], string, string]> = [
        [["new-spice-certificate", "spice-certificate"], "SPICE certificates", "no SPICE consoles yet"],
        [["new-confd-hmac-key"], "the confd HMAC key", "no ganeti-confd"],
        [["new-cluster-domain-secret", "cluster-domain-secret"], "the cluster domain secret", "no inter-cluster instance moves yet"],
        [["new-ssh-keys"], "SSH keys", "nodes join and talk without SSH"],
      ];
      for (const [opts, what, why] of notBuilt) {
        if (opts.some(has)) {
          err(`Renewing ${what} is not supported by ganeti-ts (${why})`);
          return 1;
        }
      }
      let rapiPem: string | null = null;
      if (typeof o["rapi-certificate"] === "string") {
        try {
          rapiPem = await (await rapiCert()).readCertWithKey(o["rapi-certificate"]);
        } catch (e) {
          err((e as Error).message); // Ganeti prints it as it is and exits with 1
          return 1;
        }
      }
      if (o["force"] !== true &&
        !(await confirm("This requires all daemons on all nodes to be restarted and may take some time. Continue?"))) return 1;
      if (rapiPem !== null || has("new-rapi-certificate")) {
        out("Updating certificates and keys");
        let pem = rapiPem;
        if (pem === null) {
          const { generateClusterCert, serializeServerPem } = await import("../rpc/certs.js");
          const name = (await readSsconf(ganetiPaths(), "cluster_name")) ?? "cluster";
          pem = serializeServerPem(await generateClusterCert(name));
        }
        await (await rapiCert()).installRapiCert(pem);
      }
      if (has("new-cluster-certificate") || has("new-node-certificates")) {
        await runOpcode(o, { OP_ID: "OP_CLUSTER_RENEW_CRYPTO", node_certificates: true, renew_ssh_keys: false,
          verbose: o["verbose"] === true, debug: o["debug"] === true });
      }
      out('All requested certificates and keys have been replaced. Running "gnt-cluster verify" now is recommended.');
      return 0;
    },
  },
};
