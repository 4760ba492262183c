// Copies the non-TypeScript assets under src/ (card templates are JSON imported at run time) into lib/.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
function copy(dir) {
  for (const entry of fs.readdirSync(path.join(root, 'src', dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) copy(rel);
    else if (/\.(json|png)$/.test(entry.name)) {
      fs.mkdirSync(path.join(root, 'lib', dir), { recursive: true });
      fs.copyFileSync(path.join(root, 'src', rel), path.join(root, 'lib', rel));
    }
  }
}
copy('.');
