// `npm run package [env]`: builds the Teams app package appPackage/build/appPackage.<env>.zip
// (manifest.json + color.png + outline.png). The manifest's ${{NAME}} placeholders are filled
// from env/.env.<env> (default env: local), overridden by the process environment. Refuses to
// package with a placeholder left unfilled or a manifest the official schema rejects.
const fs = require('fs');
const path = require('path');
const dotenv = require('dotenv');
const JSZip = require('jszip');

const root = path.join(__dirname, '..');
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Replaces ${{NAME}} with values[NAME]; returns the names that had no value. */
function fillPlaceholders(text, values) {
  const missing = new Set();
  const filled = text.replace(PLACEHOLDER, (match, name) => {
    const value = values[name];
    if (value === undefined || value === '') {
      // An empty suffix is a legitimate value; anything else empty is a mistake.
      if (value === '' && name.endsWith('_SUFFIX')) return '';
      missing.add(name);
      return match;
    }
    return value;
  });
  return { text: filled, missing: [...missing].sort() };
}

function readEnvFile(envName) {
  const file = path.join(root, 'env', `.env.${envName}`);
  return fs.existsSync(file) ? { file, values: dotenv.parse(fs.readFileSync(file)) } : { file, values: undefined };
}

async function schemaErrors(manifest) {
  const { AppManifestUtils } = require('@microsoft/app-manifest');
  return AppManifestUtils.validateAgainstSchema(manifest);
}

/** Builds the zip; throws an Error with a plain message on any problem. Returns the zip path. */
async function buildAppPackage(envName, env = process.env) {
  if (!/^[A-Za-z0-9_-]+$/.test(envName)) throw new Error(`Not an environment name: "${envName}" (letters, digits, - and _ only)`);
  const { file, values: fileValues } = readEnvFile(envName);
  const values = { ...(fileValues ?? {}), ...env };
  const template = fs.readFileSync(path.join(root, 'appPackage', 'manifest.json'), 'utf8');
  const { text, missing } = fillPlaceholders(template, values);
  if (missing.length > 0) {
    const where = fileValues ? `${path.relative(root, file)} or the environment` : `the environment (there is no ${path.relative(root, file)})`;
    throw new Error(`Cannot package: set ${missing.join(', ')} in ${where}.`);
  }
  const manifest = JSON.parse(text);
  const errors = await schemaErrors(manifest);
  if (errors.length > 0) throw new Error(`Cannot package: the manifest does not match its schema:\n  ${errors.join('\n  ')}`);

  const zip = new JSZip();
  zip.file('manifest.json', JSON.stringify(manifest, null, 2));
  for (const icon of ['color.png', 'outline.png']) zip.file(icon, fs.readFileSync(path.join(root, 'appPackage', icon)));
  const outDir = path.join(root, 'appPackage', 'build');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `appPackage.${envName}.zip`);
  fs.writeFileSync(out, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return out;
}

module.exports = { fillPlaceholders, buildAppPackage };

if (require.main === module) {
  const envName = process.argv[2] ?? 'local';
  buildAppPackage(envName).then(
    (out) => console.log(`Wrote ${path.relative(process.cwd(), out)}: upload it in Teams (Apps > Manage your apps > Upload) or the Teams admin center.`),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
