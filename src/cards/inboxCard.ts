// The `pending` inbox: one page of requests, each with its age, what it changes and the buttons that
// act like the request card's (Approve, Reject with a reason, or Cancel). Paged so that a card stays
// under the 28 KB budget whatever the requests hold: a page has at most INBOX_PAGE_SIZE rows and
// each row's texts are cut to a bounded length.
import template from './templates/pendingInbox.json';
import { renderCard, type AdaptiveCard } from './render';

export interface InboxRowModel {
  requestId: string;
  title: string;
  line: string;
  canDecide: boolean;
  canCancel: boolean;
}

export interface InboxCardModel {
  heading: string;
  summary: string;
  simulated: boolean;
  notice: string;
  emptyText: string;
  page: number;
  pageCount: number;
  rows: InboxRowModel[];
}

/** Rows per page: with each text cut to MAX_ROW_TEXT, a full page is well under 28 KB (test/features/pendingInbox.test.ts). */
export const INBOX_PAGE_SIZE = 8;
const MAX_ROW_TEXT = 300;

export const INBOX_VERBS = {
  page: 'inbox.page',
  approve: 'inbox.approve',
  reject: 'inbox.reject',
  cancel: 'inbox.cancel',
} as const;

export function renderInboxCard(vm: InboxCardModel): AdaptiveCard {
  const cut = (text: string) => (text.length > MAX_ROW_TEXT ? `${text.slice(0, MAX_ROW_TEXT - 1)}…` : text);
  return renderCard(template, { ...vm, rows: vm.rows.map((r) => ({ ...r, title: cut(r.title), line: cut(r.line) })) });
}
