// npm run sandbox: builds the simulated cloud if its compiled code is missing or older than the
// source, then runs it in this process (so Ctrl+C reaches it). Build output goes to stderr: stdout
// carries only the ten KEY=value lines.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const main = path.join(root, 'lib', 'sandbox', 'main.js');
const sources = path.join(root, 'src', 'sandbox');

function newestSource() {
  const files = fs.readdirSync(sources).filter((f) => f.endsWith('.ts'));
  return Math.max(...files.map((f) => fs.statSync(path.join(sources, f)).mtimeMs));
}

function isStale() {
  return !fs.existsSync(main) || fs.statSync(main).mtimeMs < newestSource();
}

if (isStale()) {
  process.stderr.write('Building the simulated cloud…\n');
  const tsc = require.resolve('typescript/bin/tsc');
  // Errors elsewhere in the project do not stop tsc from emitting the sandbox; judge by the output.
  spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: ['ignore', 2, 2], cwd: root });
  if (isStale()) {
    process.stderr.write('The simulated cloud did not build: run `npm run build` to see why.\n');
    process.exit(1);
  }
}
require(main);
