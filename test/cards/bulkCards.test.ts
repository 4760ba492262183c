// The plan card of the worst list (200 rows, every column wrong, long words) stays under the card
// budget on every page, and the pages together show every problem once.
import { bulkPlanCardModel, PROBLEMS_PER_PAGE, renderBulkPlanCard } from '../../src/cards/bulkCards';
import { MAX_CARD_BYTES } from '../../src/cards/render';
import { cardSchemaErrors } from '../support/cardSchema';

describe('the bulk plan card', () => {
  it('pages 1,000 long problems under 28 KB a page, each once', () => {
    const problems = Array.from({ length: 1000 }, (_, i) => ({ line: 2 + Math.floor(i / 5), company: `Company ${'n'.repeat(90)} ${i}`, column: 'addressLine1', problem: `${'x'.repeat(600)} ${i}` }));
    const pages = Math.ceil(problems.length / PROBLEMS_PER_PAGE);
    const seen: string[] = [];
    for (let page = 0; page < pages; page++) {
      const vm = bulkPlanCardModel({ planId: 'p', simulated: false, total: 200, ready: 0, problems, facts: [], page });
      const card = renderBulkPlanCard(vm);
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(MAX_CARD_BYTES);
      if (page === 0) expect(cardSchemaErrors(card)).toEqual([]);
      seen.push(...vm.problems.map((p) => p.where));
      expect(vm.hasNext).toBe(page < pages - 1);
    }
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
  });
});
