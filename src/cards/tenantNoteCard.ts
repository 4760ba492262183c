// A short note in place of a clicked card: a request submitted, a refusal, a problem to fix.
import template from './templates/tenantNote.json';
import { renderCard, type AdaptiveCard } from './render';

export interface TenantNoteModel {
  title: string;
  text: string;
  color: 'Default' | 'Good' | 'Warning' | 'Attention';
  facts: Array<{ title: string; value: string }>;
  /** Action.Execute buttons, e.g. "Show the report". */
  buttons: Array<{ title: string; verb: string; data: Record<string, unknown> }>;
}

export function renderTenantNoteCard(vm: TenantNoteModel): AdaptiveCard {
  return renderCard(template, vm);
}
