// The bulk list's cards (docs/bulk.md): the paste box with the columns and an example, and the plan
// (how many rows are ready, every problem with its line, company, column and what to do), paged so
// that a 200-row list with a problem in every row stays under the card budget.
import listTemplate from './templates/bulkList.json';
import planTemplate from './templates/bulkPlan.json';
import { renderCard, type AdaptiveCard } from './render';
import type { Fact } from './requestView';

/** Problems per page of the plan card. */
export const PROBLEMS_PER_PAGE = 10;
/** A problem's words on the card are cut here (the card budget); the whole text is in the plan. */
const MAX_PROBLEM_CHARS = 400;

export interface BulkListCardModel {
  simulated: boolean;
  maxRows: number;
  columns: string;
  columnNotes: string;
  example: string;
  csv: string;
  error: string;
}

export function renderBulkListCard(vm: BulkListCardModel): AdaptiveCard {
  return renderCard(listTemplate, vm);
}

export interface BulkPlanProblem {
  line: number;
  company: string;
  column: string;
  problem: string;
}

export interface BulkPlanCardModel {
  planId: string;
  title: string;
  simulated: boolean;
  summary: string;
  summaryColor: 'Default' | 'Good' | 'Attention' | 'Warning';
  facts: Fact[];
  problemsHeading: string;
  problems: Array<{ where: string; problem: string }>;
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  checking: boolean;
  canSubmit: boolean;
  submitTitle: string;
  notice: string;
}

export interface BulkPlanView {
  planId: string;
  simulated: boolean;
  total: number;
  ready: number;
  problems: readonly BulkPlanProblem[];
  facts: Fact[];
  page: number;
  notice?: string;
}

export function bulkPlanCardModel(view: BulkPlanView): BulkPlanCardModel {
  const pages = Math.max(1, Math.ceil(view.problems.length / PROBLEMS_PER_PAGE));
  const page = Math.min(Math.max(0, view.page), pages - 1);
  const shown = view.problems.slice(page * PROBLEMS_PER_PAGE, (page + 1) * PROBLEMS_PER_PAGE);
  const lines = new Set(view.problems.map((p) => p.line)).size;
  const summary =
    view.ready === view.total
      ? `All ${view.total} rows are ready. Submit them for approval, or paste a new list.`
      : view.ready === 0
        ? `None of the ${view.total} rows is ready: fix the list in your spreadsheet and paste it again.`
        : `${view.ready} of ${view.total} rows are ready; ${lines} row(s) have problems. Fix them and paste the list again, or submit the ready rows only.`;
  return {
    planId: view.planId,
    title: 'Bulk onboarding: the plan',
    simulated: view.simulated,
    summary,
    summaryColor: view.ready === view.total ? 'Good' : view.ready === 0 ? 'Attention' : 'Warning',
    facts: view.facts,
    problemsHeading: pages > 1 ? `Problems (${view.problems.length}; page ${page + 1} of ${pages}; the header is line 1)` : `Problems (${view.problems.length}; the header is line 1)`,
    problems: shown.map((p) => ({
      where: `Line ${p.line}${p.company ? ` · ${p.company}` : ''} · ${p.column === 'row' ? 'the row' : p.column}`,
      problem: p.problem.length > MAX_PROBLEM_CHARS ? `${p.problem.slice(0, MAX_PROBLEM_CHARS - 1)}…` : p.problem,
    })),
    page,
    hasPrevious: page > 0,
    hasNext: page < pages - 1,
    checking: false,
    canSubmit: view.ready > 0,
    submitTitle: view.ready === view.total ? `Submit all ${view.ready} rows` : `Submit the ${view.ready} ready rows only`,
    notice: view.notice ?? '',
  };
}

/** The list is being checked: the button shows the plan once it is ready (Teams waits only so long for an answer). */
export function bulkCheckingCardModel(planId: string, rows: number, simulated: boolean): BulkPlanCardModel {
  return {
    planId,
    title: 'Bulk onboarding: checking the list',
    simulated,
    summary: `Checking ${rows} rows with Partner Center and Azure. This takes a little while; click Show the plan in a moment.`,
    summaryColor: 'Default',
    facts: [],
    problemsHeading: '',
    problems: [],
    page: 0,
    hasPrevious: false,
    hasNext: false,
    checking: true,
    canSubmit: false,
    submitTitle: '',
    notice: '',
  };
}

export function renderBulkPlanCard(vm: BulkPlanCardModel): AdaptiveCard {
  return renderCard(planTemplate, vm);
}
