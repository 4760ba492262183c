// The Teams app package: the manifest validates offline against the official schema, the icons are
// the sizes and colours Teams asks for, and `npm run package` zips exactly the three files with
// every placeholder filled (or refuses, naming what is missing).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import * as dotenv from 'dotenv';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { fillPlaceholders } from '../../scripts/package';

const root = path.join(__dirname, '..', '..');
const appPackage = path.join(root, 'appPackage');
const template = fs.readFileSync(path.join(appPackage, 'manifest.json'), 'utf8');
const localValues = dotenv.parse(fs.readFileSync(path.join(root, 'env', '.env.local')));
const OFFICIAL_SCHEMA = path.join(root, 'test', 'fixtures', 'schemas', 'teams-manifest', 'v1.19', 'MicrosoftTeams.schema.json');
// The copy @microsoft/app-manifest bundles and `npm run package` validates with (its module is ESM-only
// in parts, which jest cannot load, so the schema file is used directly here).
const BUNDLED_SCHEMA = path.join(root, 'node_modules', '@microsoft', 'app-manifest', 'build', 'json-schemas', 'teams', 'v1.19', 'MicrosoftTeams.schema.json');

function schemaErrors(schemaFile: string, manifest: object): string[] {
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
  return validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

function filledManifest(overrides: Record<string, string> = {}) {
  const { text, missing } = fillPlaceholders(template, { ...localValues, ...overrides });
  expect(missing).toEqual([]);
  return JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function readPng(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(path.join(appPackage, file)));
}

describe('the Teams app manifest', () => {
  it('uses placeholders for every deployment-specific value', () => {
    for (const name of ['BOT_ID', 'TEAMS_APP_ID', 'APP_NAME_SUFFIX', 'BOT_DOMAIN']) expect(template).toContain(`\${{${name}}}`);
  });

  it('is schema 1.19 (bundled by @microsoft/app-manifest) and validates offline once filled', () => {
    const manifest = filledManifest();
    expect(manifest.$schema).toBe('https://developer.microsoft.com/json-schemas/teams/v1.19/MicrosoftTeams.schema.json');
    expect(manifest.manifestVersion).toBe('1.19');
    expect(schemaErrors(BUNDLED_SCHEMA, manifest)).toEqual([]);
    expect(schemaErrors(OFFICIAL_SCHEMA, manifest)).toEqual([]);
  });

  it('is rejected by the schema when a value is wrong (the check can fail)', () => {
    expect(schemaErrors(BUNDLED_SCHEMA, filledManifest({ BOT_ID: 'not-a-guid' })).join('\n')).toContain('/bots/0/botId');
  });

  it('offers the bot in personal, team and group chat, with the command list', () => {
    const [bot] = filledManifest().bots;
    expect(bot.scopes).toEqual(['personal', 'team', 'groupChat']);
    const commands = bot.commandLists.flatMap((l: { commands: Array<{ title: string; description: string }> }) => l.commands);
    const titles = commands.map((c: { title: string }) => c.title);
    // Every typed command the bot answers, each once.
    expect(titles).toEqual(['onboard', 'status', 'tenants', 'tenant', 'remap', 'remove tenant', 'reconcile', 'help', 'cancel', 'retry']);
    for (const list of bot.commandLists) expect(list.commands.length).toBeLessThanOrEqual(10);
    for (const title of titles) expect(title.length).toBeLessThanOrEqual(32);
    for (const { description } of commands) expect(description.length).toBeLessThanOrEqual(128);
  });
});

describe('the app icons', () => {
  it('color.png is 192x192 on a solid background with a symbol in the middle', () => {
    const png = readPng('color.png');
    expect([png.width, png.height]).toEqual([192, 192]);
    const pixel = (x: number, y: number) => Array.from(png.data.subarray((y * 192 + x) * 4, (y * 192 + x) * 4 + 4));
    const background = pixel(0, 0);
    expect(background[3]).toBe(255);
    // The 48 px padding is plain background; the centre is not.
    for (const [x, y] of [[0, 191], [191, 0], [191, 191], [47, 96], [96, 47], [144, 96], [96, 144]]) expect(pixel(x, y)).toEqual(background);
    let symbolPixels = 0;
    for (let y = 48; y < 144; y++) for (let x = 48; x < 144; x++) if (pixel(x, y).join() !== background.join()) symbolPixels++;
    expect(symbolPixels).toBeGreaterThan(96 * 96 * 0.2);
  });

  it('outline.png is 32x32, pure white on full transparency', () => {
    const png = readPng('outline.png');
    expect([png.width, png.height]).toEqual([32, 32]);
    let white = 0;
    let transparent = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b, a] = png.data.subarray(i, i + 4);
      if (a === 0) transparent++;
      else {
        expect([r, g, b, a]).toEqual([255, 255, 255, 255]);
        white++;
      }
    }
    expect(white).toBeGreaterThan(100);
    expect(transparent).toBeGreaterThan(100);
  });
});

describe('npm run package', () => {
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(root, 'scripts', 'package.js'), ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });

  it('writes appPackage/build/appPackage.local.zip with exactly the three files, placeholders filled', async () => {
    const botId = '3c1a9e27-5b8d-4f60-a2c4-7e9d0b1f2a3c';
    const result = run(['local'], { BOT_ID: botId });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const zip = await JSZip.loadAsync(fs.readFileSync(path.join(appPackage, 'build', 'appPackage.local.zip')));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifestText = await zip.file('manifest.json')!.async('string');
    expect(manifestText).not.toContain('${{');
    const manifest = JSON.parse(manifestText);
    expect(manifest.bots[0].botId).toBe(botId); // the environment wins over env/.env.local
    expect(manifest.id).toBe(localValues.TEAMS_APP_ID);
    const icon = await zip.file('outline.png')!.async('nodebuffer');
    expect(icon.equals(fs.readFileSync(path.join(appPackage, 'outline.png')))).toBe(true);
  });

  it('refuses to package with placeholders unfilled, naming them, and writes nothing', () => {
    const result = run(['nosuchenv'], {});
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Cannot package: set .*BOT_ID.*TEAMS_APP_ID in the environment \(there is no env\/\.env\.nosuchenv\)\.$/m);
    expect(fs.existsSync(path.join(appPackage, 'build', 'appPackage.nosuchenv.zip'))).toBe(false);
  });

  it('refuses a manifest the schema rejects', () => {
    const result = run(['local'], { TEAMS_APP_ID: 'not-a-guid' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('does not match its schema');
  });
});
