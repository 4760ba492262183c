// Every card template, with every string of its sample view model replaced by a name that looks
// like markdown (a link, bold text, a mention): the name shows literally in every TextBlock and
// fact, while the template's own texts are untouched.
import * as fs from 'fs';
import * as path from 'path';
import { markdown, markdownText } from '../../src/cards/markdown';
import { renderCard } from '../../src/cards/render';
import { texts, type Card } from '../support/cardQueries';
import { HOSTILE_NAME, cardMarkup, shownText } from '../support/markdownInjection';

const templatesDir = path.join(__dirname, '..', '..', 'src', 'cards', 'templates');
const samplesDir = path.join(__dirname, 'samples');
const templates = fs.readdirSync(templatesDir).filter((f) => f.endsWith('.json'));

/** The sample with every string replaced by the hostile name (ids and enums too: the worst case). */
function poisoned(value: unknown): unknown {
  if (typeof value === 'string') return HOSTILE_NAME;
  if (Array.isArray(value)) return value.slice(0, 3).map(poisoned); // long lists (countries) would only grow the card
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisoned(v)]));
  return value;
}

describe('markdown in names', () => {
  it.each(templates)('%s shows a markdown-looking name literally in every text and fact', (file) => {
    const template = JSON.parse(fs.readFileSync(path.join(templatesDir, file), 'utf8'));
    const sample = JSON.parse(fs.readFileSync(path.join(samplesDir, file), 'utf8'));
    const card = renderCard(template, poisoned(sample) as object) as Card;
    expect(cardMarkup(card)).toEqual([]);
    // The name is there, escaped, somewhere the reader sees it (every template shows some string).
    expect(texts(card).some((t) => shownText(t).includes(HOSTILE_NAME))).toBe(true);
  });

  it('escapes links, emphasis, mentions, code and line-start markup, and leaves plain names alone', () => {
    expect(markdownText('[Approve now](https://evil.example)')).toBe('\\[Approve now\\](https://evil.example)');
    expect(markdownText('**bold** _it_ `code` ~~s~~')).toBe('\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~');
    expect(markdownText('<at>x</at>')).toBe('\\<at\\>x\\</at\\>');
    expect(markdownText('# title\n- item\n1. first\n> quote')).toBe('\\# title\n\\- item\n1\\. first\n\\> quote');
    expect(markdownText('---\n===\n## x')).toBe('\\---\n\\===\n\\## x');
    for (const plain of ['+1 425 555 0101', '-5 °C', '2026-12-02', 'Contoso Ltd.', 'Fabrikam-Nord (fabrikam.onmicrosoft.com)', '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f', 'Zoë & Co. 2026']) {
      expect(markdownText(plain)).toBe(plain);
    }
    expect(markdown`**${'a*b'}** is ${'[x](y)'}`).toBe('**a\\*b** is \\[x\\](y)');
  });
});
