// Teams @mentions in a bot's message: `<at>Name</at>` in the text and one `mention` entity per person
// with the same text (docs/reference/teams-platform.md §TP-13). A mention is what puts a message in a
// person's activity feed; a long list of them is noise, so at most MAX_MENTIONS are named and the
// rest are counted in a summary line.
import type { Entity } from 'botbuilder';

export interface MentionedPerson {
  /** The Teams user id (29:…). */
  teamsUserId: string;
  name: string;
}

/** More than this many approvers get a summary line instead of one mention each (issue 14). */
export const MAX_MENTIONS = 20;

export interface Mentions {
  /** e.g. `<at>Adele Approver</at>, <at>Nestor Finance</at>`, or `` when nobody is mentioned. */
  text: string;
  entities: Entity[];
}

/** Mentions of these people (each once), the first MAX_MENTIONS named, the rest summed up as `and N more approvers`. */
export function mentionsOf(people: readonly MentionedPerson[], others = 'more'): Mentions {
  const unique = [...new Map(people.map((p) => [p.teamsUserId, p])).values()];
  const named = unique.slice(0, MAX_MENTIONS);
  const entities: Entity[] = named.map((p) => ({ type: 'mention', mentioned: { id: p.teamsUserId, name: p.name }, text: mentionText(p.name) }));
  const rest = unique.length - named.length;
  const text = named.map((p) => mentionText(p.name)).join(', ') + (rest > 0 ? ` and ${rest} ${others}` : '');
  return { text, entities };
}

/** `<at>Name</at>`: angle brackets in a display name would end the tag, so they are dropped. */
export function mentionText(name: string): string {
  return `<at>${name.replace(/[<>]/g, '')}</at>`;
}
