// The README stays true to the code: every configuration variable is in its table, and the set-up
// section has exactly the two commands the issue fixes.
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const configSource = fs.readFileSync(path.join(root, 'src', 'config.ts'), 'utf8');

describe('README', () => {
  it('documents every configuration variable of src/config.ts', () => {
    const schemaBlock = configSource.slice(configSource.indexOf('const schema = z'), configSource.indexOf('.superRefine'));
    const variables = [...schemaBlock.matchAll(/^ {4}([A-Za-z_]+):/gm)].map((m) => m[1]);
    expect(variables.length).toBeGreaterThan(30);
    const undocumented = variables.filter((v) => !readme.includes(`| \`${v}\` |`));
    expect(undocumented).toEqual([]);
  });

  it('has exactly two set-up commands: npm install && npm start, and npm test', () => {
    const setUp = readme.slice(readme.indexOf('## Set up'), readme.indexOf('## Configuration'));
    const commands = [...setUp.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1].trim());
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
  });

  it('shows the help card screenshot that exists in the repository', () => {
    const image = /!\[[^\]]*\]\(([^)]+)\)/.exec(readme)?.[1];
    expect(image).toBe('docs/images/help-card.png');
    expect(fs.existsSync(path.join(root, image!))).toBe(true);
  });
});
