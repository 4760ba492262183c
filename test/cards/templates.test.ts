// Every card template, rendered with its sample view model (test/cards/samples/<name>.json),
// is a valid Adaptive Card 1.5 and stays under the size budget.
import * as fs from 'fs';
import * as path from 'path';
import { MAX_CARD_BYTES, renderCard } from '../../src/cards/render';
import { cardSchemaErrors } from '../support/cardSchema';

const templatesDir = path.join(__dirname, '..', '..', 'src', 'cards', 'templates');
const samplesDir = path.join(__dirname, 'samples');
const templates = fs.readdirSync(templatesDir).filter((f) => f.endsWith('.json'));

describe('card templates', () => {
  it('exist', () => {
    expect(templates.length).toBeGreaterThan(0);
  });

  it.each(templates)('%s has a sample view model, renders to a valid 1.5 card under 28 KB', (file) => {
    const samplePath = path.join(samplesDir, file);
    expect(fs.existsSync(samplePath)).toBe(true);
    const template = JSON.parse(fs.readFileSync(path.join(templatesDir, file), 'utf8'));
    expect(template.version).toBe('1.5');
    const card = renderCard(template, JSON.parse(fs.readFileSync(samplePath, 'utf8')));
    expect(cardSchemaErrors(card)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(MAX_CARD_BYTES);
    // No unexpanded bindings left behind.
    expect(JSON.stringify(card)).not.toMatch(/\$\{/);
  });
});

describe('the card schema check', () => {
  it('rejects a card the Teams client could not render', () => {
    const broken = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock' }], actions: [{ type: 'Action.Execute', title: 1 }] };
    expect(cardSchemaErrors(broken).length).toBeGreaterThan(0);
  });
});
