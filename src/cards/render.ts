// Renders an Adaptive Card template (a JSON file under ./templates) with a typed view model.
// Templates use adaptivecards-templating bindings (`${field}`, `$data`, `$when`).
import * as ACData from 'adaptivecards-templating';

export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

/** Teams shows bot cards up to ~100 KB; we keep every card under 28 KB (docs/reference/teams-platform.md §TP-2). */
export const MAX_CARD_BYTES = 28 * 1024;

export function renderCard<T extends object>(template: object, data: T): AdaptiveCard {
  const card = new ACData.Template(template).expand({ $root: data }) as AdaptiveCard;
  const bytes = Buffer.byteLength(JSON.stringify(card), 'utf8');
  if (bytes > MAX_CARD_BYTES) {
    throw new Error(`Card is ${bytes} bytes, over the ${MAX_CARD_BYTES}-byte budget: page the list instead`);
  }
  return card;
}

/** The `attachments` entry for a card in a message activity. */
export function cardAttachment(card: AdaptiveCard): { contentType: string; content: AdaptiveCard } {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}
