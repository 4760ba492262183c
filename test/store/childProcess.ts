// Runs a TypeScript file as a separate Node process (a second bot instance), compiling .ts on the
// fly with the project's TypeScript so the child runs the same source the tests do.
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';

const TS_HOOK = `
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
require(process.argv[1]);
`;

export interface Child {
  process: ChildProcessWithoutNullStreams;
  /** Resolves with everything printed so far once a line matching `pattern` appears. */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

export function runTs(script: string, args: string[], cwd: string): Child {
  const child = spawn(process.execPath, ['-e', TS_HOOK, '--', script, ...args], { cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stdout)) resolve(stdout);
      };
      child.stdout.on('data', check);
      void exited.then((code) => (pattern.test(stdout) ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`))));
      check();
    });
  return { process: child, waitFor, exited };
}
