// The docs stay true as the code moves: every relative link in README.md and docs/ opens a file
// that exists, every `src/...` path docs/architecture.md names exists, and every citation of
// docs/reference/ in the code names a note that exists and a section it has (e.g. §PC-3).
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

function markdownUnder(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const child = path.join(dir, d.name);
    return d.isDirectory() ? markdownUnder(child) : d.name.endsWith('.md') ? [child] : [];
  });
}

function codeUnder(dir: string): string[] {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs.readdirSync(full, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name === 'fixtures') return [];
    const child = path.join(dir, d.name);
    return d.isDirectory() ? codeUnder(child) : /\.(ts|js|mjs|cjs)$/.test(d.name) ? [child] : [];
  });
}

const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** `[text](target)` and `![alt](target)` outside code blocks; external and in-page links are not files. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(target))
    .map((target) => decodeURIComponent(target.split('#')[0]));
}

/**
 * Backticked `src/...` paths, with what follows them on the line. A placeholder or glob
 * (`src/features/<name>/`, `steps/*.ts`) is checked up to the folder before it.
 */
function sourcePaths(markdown: string): Array<{ written: string; checked: string; planned: boolean }> {
  return [...markdown.matchAll(/`(src\/[^`\s]*)`( \(planned\))?/g)].map((m) => {
    const written = m[1];
    const cut = written.search(/[<*{]/);
    const checked = cut < 0 ? written : written.slice(0, written.lastIndexOf('/', cut) + 1);
    return { written, checked, planned: m[2] !== undefined };
  });
}

describe('the docs', () => {
  const docs = ['README.md', ...markdownUnder('docs')];

  it('link only to files that exist (README.md and docs/**/*.md)', () => {
    expect(docs.length).toBeGreaterThan(10);
    const broken = docs.flatMap((doc) =>
      relativeLinks(read(doc))
        .filter((target) => target !== '' && !fs.existsSync(path.join(root, path.dirname(doc), target)))
        .map((target) => `${doc}: ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('name only source paths that exist in docs/architecture.md; a planned part loses its mark once it exists', () => {
    const paths = sourcePaths(read('docs/architecture.md'));
    expect(paths.length).toBeGreaterThan(30);
    const exists = (p: string) => fs.existsSync(path.join(root, p));
    const missing = paths.filter((p) => !p.planned && !exists(p.checked)).map((p) => p.written);
    expect(missing).toEqual([]);
    const stillMarked = paths.filter((p) => p.planned && exists(p.checked)).map((p) => `${p.written} exists now: remove its "(planned)"`);
    expect(stillMarked).toEqual([]);
  });

  it('are cited by the code by note and section, and both exist (e.g. docs/reference/partner-center.md §PC-3)', () => {
    const files = [...['src', 'test', 'scripts', 'bench'].flatMap(codeUnder), ...docs, 'src/sandbox/README.md'];
    const citations = files.flatMap((file) =>
      [...read(file).matchAll(/docs\/reference\/([\w.-]+\.md)(?:\]\([^)]*\))?(?:\s+§\s?([A-Z]+-\d+))?/g)].map((m) => ({ file, note: m[1], section: m[2] })),
    );
    expect(citations.length).toBeGreaterThan(15);
    const wrong = citations.flatMap(({ file, note, section }) => {
      const notePath = path.join('docs', 'reference', note);
      if (!fs.existsSync(path.join(root, notePath))) return [`${file}: ${notePath} does not exist`];
      if (!section) return [];
      const headings = read(notePath)
        .split('\n')
        .filter((line) => line.startsWith('#'));
      const found = headings.some((h) => new RegExp(`(^|[^\\w-])§?${section.replace(/[-]/g, '\\-')}([^\\w-]|$)`).test(h));
      return found ? [] : [`${file}: ${notePath} has no section ${section}`];
    });
    expect(wrong).toEqual([]);
  });

  it('are not cited the old way (the team folder\'s azure-apis.md, its numbered sections)', () => {
    const files = [...['src', 'test', 'scripts', 'bench'].flatMap(codeUnder), ...docs, 'src/sandbox/README.md'].filter((f) => f !== path.relative(root, __filename));
    const stale = files.flatMap((file) =>
      read(file)
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => /azure-apis\.md|botbuilder-facts\.md|\breference §\d|\breference PC-\d/.test(line))
        .map(({ at }) => at),
    );
    expect(stale).toEqual([]);
  });

  it('send nobody to the team folder beside the repository, which a clone does not have', () => {
    const offenders = [...docs, 'src/sandbox/README.md'].filter((doc) => /\.\.\/+shared\b|(^|[\s(`])shared\/(reference|specs|schemas|STYLE|PRODUCT)/m.test(read(doc)));
    expect(offenders).toEqual([]);
  });
});

describe('the docs checks themselves', () => {
  it('find relative links and skip external ones, anchors and code blocks', () => {
    const md = 'See [a](docs/a.md#x), ![i](images/b.png), [w](https://x.y), [h](#top).\n```\n[c](nope.md)\n```';
    expect(relativeLinks(md)).toEqual(['docs/a.md', 'images/b.png']);
  });

  it('check a placeholder path up to its folder and recognise the planned mark', () => {
    expect(sourcePaths('`src/features/<name>/` and `src/http/` (planned), `src/app.ts`')).toEqual([
      { written: 'src/features/<name>/', checked: 'src/features/', planned: false },
      { written: 'src/http/', checked: 'src/http/', planned: true },
      { written: 'src/app.ts', checked: 'src/app.ts', planned: false },
    ]);
  });
});
