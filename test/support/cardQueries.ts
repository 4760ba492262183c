// Reading rendered Adaptive Cards the way an operator sees them: buttons, inputs, texts and the
// error shown beside a field. Shared by the dialog, tenant, scale and hardening tests.
import type { Activity } from 'botbuilder';

export type CardElement = Record<string, unknown> & { type: string };
export type Card = { type: 'AdaptiveCard'; body?: CardElement[]; actions?: CardElement[] } & Record<string, unknown>;

const BUTTON_TYPES = new Set(['Action.Execute', 'Action.OpenUrl']);

export function lastCard(replies: Partial<Activity>[]): Card | undefined {
  const cards = replies.flatMap((r) => r.attachments ?? []).filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive');
  return cards.at(-1)?.content as Card | undefined;
}

function walk(node: unknown, visit: (element: CardElement) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== 'object') return;
  const element = node as CardElement;
  if (typeof element.type === 'string') visit(element);
  for (const key of ['body', 'items', 'actions', 'columns']) walk(element[key], visit);
}

/** Titles of every button (Action.Execute and Action.OpenUrl), in order. */
export function buttonTitles(card: Card): string[] {
  const titles: string[] = [];
  walk(card, (e) => {
    if (BUTTON_TYPES.has(e.type)) titles.push(String(e.title));
  });
  return titles;
}

export function findAction(card: Card, title: string): CardElement {
  const found: CardElement[] = [];
  walk(card, (e) => {
    if (BUTTON_TYPES.has(e.type) && e.title === title) found.push(e);
  });
  if (found.length !== 1) throw new Error(`Expected one button "${title}", found ${found.length}; buttons: ${buttonTitles(card).join(', ')}`);
  return found[0];
}

/** The values the card's inputs show (what the client would send with a click). */
export function inputValues(card: Card): Record<string, string> {
  const values: Record<string, string> = {};
  walk(card, (e) => {
    if (e.type.startsWith('Input.') && typeof e.id === 'string' && typeof e.value === 'string') values[e.id] = e.value;
  });
  return values;
}

/** Every TextBlock's text and every fact as "title: value", in order: what the operator reads. */
export function texts(card: Card): string[] {
  const found: string[] = [];
  walk(card, (e) => {
    if (e.type === 'TextBlock') found.push(String(e.text));
    if (e.type === 'FactSet') for (const f of (e.facts as { title: string; value: string }[]) ?? []) found.push(`${f.title}: ${f.value}`);
  });
  return found;
}

export function title(card: Card): string {
  return texts(card)[0] ?? '';
}

/** The error shown right after the input with this id ('' when none). */
export function errorBeside(card: Card, inputId: string): string {
  let result = '';
  const visitList = (list: unknown) => {
    if (!Array.isArray(list)) return;
    list.forEach((element: CardElement, i) => {
      if (element.type?.startsWith('Input.') && element.id === inputId) {
        const next = list[i + 1] as CardElement | undefined;
        if (next?.type === 'TextBlock' && next.color === 'Attention') result = String(next.text);
      }
      for (const key of ['items', 'body']) visitList(element[key]);
    });
  };
  visitList(card.body);
  return result;
}

export const cardBytes = (card: Card) => Buffer.byteLength(JSON.stringify(card), 'utf8');
