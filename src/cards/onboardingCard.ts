// What every onboarding card shares: the draft it belongs to (carried in each button's data so the
// server can tell a stale or someone else's card), input fields with their kept value and error,
// and paging of long lists.

/** The draft a card belongs to. Untrusted when it comes back: the server checks it against its state. */
export interface DraftRef {
  id: string;
  /** Entra object id of the operator whose draft it is. */
  ownerId: string;
  ownerName: string;
}

/** One input: the value to show again and the error beside it ('' when none). */
export interface FieldModel {
  value: string;
  error: string;
}

export type Fields<K extends string> = Record<K, FieldModel>;

export interface Choice {
  title: string;
  value: string;
}

export interface PageModel {
  hasPrevious: boolean;
  hasNext: boolean;
  /** 0-based page numbers the buttons ask for. */
  previous: number;
  next: number;
}

/** Builds the field models of a card from its kept values and errors; every field gets both. */
export function fieldModels<K extends string>(
  ids: readonly K[],
  values: Partial<Record<string, string>>,
  errors: Partial<Record<string, string>> = {},
): Fields<K> {
  const fields = {} as Fields<K>;
  for (const id of ids) fields[id] = { value: values[id] ?? '', error: errors[id] ?? '' };
  return fields;
}

/** One page of a list, with the "Showing 6–10 of 12" words, so nothing is cut off silently. */
export function pageOf<T>(items: readonly T[], page: number, pageSize: number): { items: T[]; page: PageModel; range: string; index: number } {
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const index = Math.min(Math.max(0, page), pages - 1);
  const start = index * pageSize;
  const slice = items.slice(start, start + pageSize);
  const range = items.length === 0 ? 'none' : `${start + 1}–${start + slice.length} of ${items.length}`;
  return {
    items: slice,
    index,
    range,
    page: { hasPrevious: index > 0, hasNext: index < pages - 1, previous: Math.max(0, index - 1), next: Math.min(pages - 1, index + 1) },
  };
}
