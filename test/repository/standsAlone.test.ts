// The repository stands alone: a clone has nothing beside it, so no test, script, benchmark or
// source file may reach outside the repository (e.g. the sibling folder where the team keeps its
// reference material). What the tests need is vendored under test/fixtures/.
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const SCANNED = ['src', 'test', 'scripts', 'bench', '.ci', 'package.json', 'jest.config.js', 'eslint.config.mjs', 'tsconfig.json', 'tsconfig.test.json'];
const CODE = /\.(ts|js|mjs|cjs|json|sh)$|^run$/;

/** The team's reference folder beside the repository (spelt in parts so this file does not name its own path). */
const SIBLING = ['sha', 'red'].join('');
/** A path that leaves the repository for that folder: `../<it>`, `'..', '<it>'`, `"..", "<it>"`. */
const OUTSIDE = [new RegExp(`\\.\\./+${SIBLING}\\b`), new RegExp(`'\\.\\.',\\s*'${SIBLING}'`), new RegExp(`"\\.\\.",\\s*"${SIBLING}"`)];

function files(entry: string): string[] {
  const full = path.join(root, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [full];
  return fs.readdirSync(full, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name === 'fixtures' || d.name === '.sandbox') return [];
    const child = path.join(entry, d.name);
    return d.isDirectory() ? files(child) : CODE.test(d.name) ? [path.join(root, child)] : [];
  });
}

describe('the repository stands alone', () => {
  it('reads nothing outside itself: no path to the sibling reference folder in code, tests, scripts or benchmarks', () => {
    const scanned = SCANNED.flatMap(files);
    expect(scanned.length).toBeGreaterThan(100);
    const offenders = scanned.flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${path.relative(root, file)}:${i + 1}` }))
        .filter(({ line }) => OUTSIDE.some((re) => re.test(line)))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it('vendors the official examples and schemas the tests read, with their sources', () => {
    for (const file of [
      'test/fixtures/README.md',
      'test/fixtures/specs/README.md',
      'test/fixtures/specs/LICENSE.microsoft-MIT.txt',
      'test/fixtures/schemas/README.md',
      'test/fixtures/schemas/adaptive-cards/1.5.0/adaptive-card.json',
      'test/fixtures/schemas/teams-manifest/v1.19/MicrosoftTeams.schema.json',
    ]) {
      expect(fs.existsSync(path.join(root, file))).toBe(true);
    }
  });
});
