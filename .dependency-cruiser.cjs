// Layer rules of docs/design (from ARCHITECTURE.md §3): the pure layers import no I/O
// and nothing above them; no cycles anywhere.
const PURE = "^src/(objects|opcodes|query|htools|monitoring)/|^src/(errors|constants)\\.ts$";
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "pure-imports-no-node-builtins",
      comment: "objects/opcodes/query/htools/monitoring are plain data in, plain data out",
      severity: "error",
      from: { path: PURE },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "pure-imports-only-pure",
      severity: "error",
      from: { path: PURE },
      to: { path: "^src/", pathNot: PURE },
    },
    {
      name: "pure-imports-no-io-packages",
      severity: "error",
      from: { path: PURE },
      to: { dependencyTypes: ["npm"], pathNot: "node_modules/@sinclair/typebox" },
    },
    {
      name: "master-does-not-import-front",
      severity: "error",
      from: { path: "^src/(config|locking|jobs|cmdlib|rpc)/" },
      to: { path: "^src/(cli|rapi|luxi|devcluster|watcher|mond|ha)/" },
    },
    {
      name: "node-does-not-import-master-or-front",
      severity: "error",
      from: { path: "^src/(noded|hypervisor|storage|os)/" },
      to: { path: "^src/(config|locking|jobs|cmdlib|cli|rapi|luxi|devcluster|watcher|mond|ha)/" },
    },
    {
      name: "no-test-imports-from-src",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
