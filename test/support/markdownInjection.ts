// What an operator or Partner Center could put in a name to fake markup on a card or in chat, and
// the check that it shows literally wherever Teams renders markdown.
import { texts, type Card } from './cardQueries';

export const LINK = '[Approve now](https://evil.example)';
export const BOLD = '**bold**';
export const MENTION = '<at>x</at>';
export const HOSTILE_NAME = `${LINK} ${BOLD} ${MENTION}`;

/** Raw markup in a markdown text (what would render as a link, bold text or a mention). */
export function rawMarkup(text: string): string[] {
  return [LINK, BOLD, MENTION].filter((m) => text.includes(m));
}

/** A markdown text as the reader sees it: backslash escapes resolved. */
export function shownText(text: string): string {
  return text.replace(/\\([\\`*_[\]<>~|#+\-=.)])/g, '$1');
}

/** Every TextBlock text and fact of the card with raw markup in it ([] when it shows literally). */
export function cardMarkup(card: Card): string[] {
  return texts(card).filter((t) => rawMarkup(t).length > 0);
}
