// Multi-document YAML on stdin -> one JSON array on stdout, for tests that
// check YAML files (tests/integration/test_kubernetes.py) with Python's stdlib.
const yaml = require("js-yaml");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const docs = yaml.loadAll(input).filter((d) => d !== null && d !== undefined);
  process.stdout.write(JSON.stringify(docs));
});
