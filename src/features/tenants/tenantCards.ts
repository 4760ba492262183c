// The tenant feature's cards, as the commands and the buttons both show them: the paged tenant
// list, the reconcile report (or "still checking"), the registration chooser and the short note.
import type { AdaptiveCard } from '../../cards/render';
import { renderReconcileCard, reconcileCardModel } from '../../cards/reconcileCard';
import { renderRegistrationChooserCard, renderTenantListCard, tenantListModel } from '../../cards/tenantListCard';
import { renderTenantNoteCard, type TenantNoteModel } from '../../cards/tenantNoteCard';
import type { RegistrationRef } from '../../onboarding/model';
import { describeProblems, explain, pageTenants, type RegistrationSelection, type TenantDirectory } from '../../onboarding/tenants/tenantDirectory';
import type { ReconcileReports } from './reconcileReports';

export const TENANT_PAGE_SIZE = 20;
export const RECONCILE_PAGE_SIZE = 12;

export const TENANT_VERBS = {
  page: 'tenants.page',
  reconcile: 'tenants.reconcile',
  onboard: 'tenants.onboard',
  remove: 'tenants.remove',
  offboard: 'tenants.offboard',
} as const;

/** A registration, or all of them: what a list or a report covers. */
export type Scope = Extract<RegistrationSelection, { kind: 'one' | 'all' }>;

export interface TenantCardDeps {
  directory: TenantDirectory;
  reports: ReconcileReports;
  simulated: boolean;
}

export async function tenantListCard(deps: TenantCardDeps, selection: Scope, page: number, search: string, fresh = false): Promise<AdaptiveCard> {
  const registrations = selection.kind === 'one' ? [selection.registration] : selection.registrations;
  try {
    // One registration named: its failure is the answer. Several: the readable ones are listed.
    const { rows, problems } =
      registrations.length === 1 ? { rows: await deps.directory.listTenants(registrations, { fresh }), problems: [] } : await deps.directory.survey(registrations, { fresh });
    return renderTenantListCard(
      tenantListModel({
        scope: scopeOf(selection),
        scopeName: scopeName(selection),
        search,
        page: pageTenants(rows, search, page, TENANT_PAGE_SIZE),
        showRegistration: registrations.length > 1,
        problems: describeProblems(problems),
        simulated: deps.simulated,
      }),
    );
  } catch (e) {
    return note(`Could not list the tenants on ${scopeName(selection)}`, explain(e), 'Attention');
  }
}

/**
 * The reconcile report of a scope (see ReconcileReports). A button waits at most `waitMs`; if the
 * check takes longer it goes on, and the card says to look again.
 */
export async function reconcileReportCard(deps: TenantCardDeps, selection: Scope, page: number, fresh: boolean, waitMs = Infinity): Promise<AdaptiveCard> {
  try {
    const scope = selection.kind === 'one' ? [selection.registration] : selection.registrations;
    const report = await deps.reports.report(scopeOf(selection), scope, { fresh, waitMs });
    if (!report) {
      return note('Still checking…', `Comparing Partner Center with ${scopeName(selection)} takes a while. It goes on without you: click Show the report in a few seconds.`, 'Default', [], [
        { title: 'Show the report', verb: TENANT_VERBS.reconcile, data: { registration: scopeOf(selection), page: 1 } },
      ]);
    }
    return renderReconcileCard(
      reconcileCardModel({ scope: scopeOf(selection), scopeName: scopeName(selection), report, page, pageSize: RECONCILE_PAGE_SIZE, simulated: deps.simulated }),
    );
  } catch (e) {
    return note(`Could not reconcile ${scopeName(selection)}`, explain(e), 'Attention');
  }
}

export function registrationChooser(registrations: RegistrationRef[], verb: string, what: string): AdaptiveCard {
  return renderRegistrationChooserCard({
    title: 'Which registration?',
    text: `I may use ${registrations.length} registrations. Choose one, or all of them. Next time you can type \`${what} <registration name>\` or \`${what} all\`.`,
    verb,
    registrations,
  });
}

export function note(title: string, text: string, color: TenantNoteModel['color'], facts: TenantNoteModel['facts'] = [], buttons: TenantNoteModel['buttons'] = []): AdaptiveCard {
  return renderTenantNoteCard({ title, text, color, facts, buttons });
}

/** What card data names a scope by: a registration's resource id, or `all`. */
export function scopeOf(selection: Scope): string {
  return selection.kind === 'one' ? selection.registration.resourceId : 'all';
}

function scopeName(selection: Scope): string {
  return selection.kind === 'one' ? selection.registration.name : `all ${selection.registrations.length} registrations`;
}
