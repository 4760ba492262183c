// Takes the README's screenshot: `npm start`'s stack (simulated cloud, bot, Agents Playground),
// then headless Chromium on the playground's real web UI, types "help" and saves the chat with the
// help card to docs/images/help-card.png. Offline: every request to a non-loopback host is aborted.
// Usage: node scripts/screenshot.js   (needs /usr/bin/chromium: apt-get install -y chromium)
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const root = path.join(__dirname, '..');
const OUT = path.join(root, 'docs', 'images', 'help-card.png');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function startStack() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'screenshot-'));
  const child = spawn(process.execPath, [path.join(__dirname, 'start.js')], {
    cwd: dataDir,
    env: { ...process.env, PORT: process.env.PORT || '3988', PLAYGROUND_PORT: '0', STORE_PATH: path.join(dataDir, 'bot.db') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk.toString();
      const m = /^Open (http:\/\/localhost:\d+)$/m.exec(output);
      if (m) resolve({ child, url: m[1].replace('localhost', '127.0.0.1') });
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (code ${code}):\n${output}`)));
  });
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const { child, url } = await startStack();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    // Fonts and an animation worklet come from a CDN; nothing may leave the machine.
    await browser.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const compose = page.locator('div[role="textbox"][contenteditable="true"]');
    await compose.waitFor({ timeout: 60_000 });
    await compose.click();
    await page.keyboard.type('help');
    await page.getByRole('button', { name: 'Send Message' }).click();
    await page.getByText('Here is what I can do').last().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT });
    console.log(`saved ${path.relative(root, OUT)}`);
  } finally {
    await browser.close();
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
