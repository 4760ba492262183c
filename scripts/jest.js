// Runs jest with the simulated cloud's CA trusted. NODE_EXTRA_CA_CERTS is read only when a Node
// process starts, so it is set here, before jest and its workers start; the sandbox started inside
// the tests reuses this CA (src/sandbox/ca.ts). Usage: node scripts/jest.js [jest args…]
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const { ensureSandboxCa } = require(path.join(root, 'lib', 'sandbox', 'ca.js'));
const ca = ensureSandboxCa(path.join(root, '.sandbox'));
const jest = require.resolve('jest/bin/jest');
const result = spawnSync(process.execPath, [jest, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath },
});
process.exit(result.status ?? 1);
