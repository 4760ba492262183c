// The runbook, in order. Each step is idempotent: it looks for its own earlier result first.
import type { RequestKind } from '../../model';
import { findOrBuyAzurePlan } from './azurePlan';
import { waitForAzureSubscription } from './azureSubscription';
import { runBulkRows } from './bulkRows';
import { postBulkResult } from './bulkResult';
import { checkRegistration } from './checkRegistration';
import { customerAccess } from './customerAccess';
import { customerAgreement } from './customerAgreement';
import { findOrCreateCustomer } from './customer';
import { mapTenant } from './mapTenant';
import { postResult } from './postResult';
import { remapTenant } from './remapTenant';
import { removeMapping } from './removeMapping';
import type { StepDefinition } from './step';

export const ONBOARDING_STEPS: readonly StepDefinition[] = [
  { name: 'check-registration', title: 'Check the registration', run: checkRegistration },
  { name: 'customer', title: 'Find or create the customer', run: findOrCreateCustomer },
  { name: 'customer-agreement', title: 'Customer agreement', run: customerAgreement },
  { name: 'azure-plan', title: 'Find or buy the Azure plan', run: findOrBuyAzurePlan },
  { name: 'azure-subscription', title: 'Azure subscription active', run: waitForAzureSubscription },
  { name: 'customer-access', title: 'Customer access (guest + Owner)', run: customerAccess },
  { name: 'map-tenant', title: 'Map the tenant on the registration', run: mapTenant },
  { name: 'post-result', title: 'Post the result', run: postResult },
];

/** Re-map (add or overwrite a mapping of an existing customer's subscription): check, PUT, result. */
export const REMAP_STEPS: readonly StepDefinition[] = [
  ONBOARDING_STEPS[0],
  { name: 'map-tenant', title: 'Re-map the tenant on the registration', run: remapTenant },
  ONBOARDING_STEPS[ONBOARDING_STEPS.length - 1],
];

/** Removal of a mapping: check, DELETE, result. */
export const REMOVE_STEPS: readonly StepDefinition[] = [
  ONBOARDING_STEPS[0],
  { name: 'remove-mapping', title: 'Remove the mapping from the registration', run: removeMapping },
  ONBOARDING_STEPS[ONBOARDING_STEPS.length - 1],
];

/** A bulk onboarding: its rows run as onboarding requests, a few at a time; then one summary. */
export const BULK_STEPS: readonly StepDefinition[] = [
  { name: 'bulk-rows', title: 'Onboard the rows', run: runBulkRows },
  { name: 'bulk-result', title: 'Post the summary', run: postBulkResult },
];

/** The steps of a request's run, by kind. */
export function onboardingSteps(kind: RequestKind): StepDefinition[] {
  switch (kind) {
    case 'onboard':
      return [...ONBOARDING_STEPS];
    case 'remap':
      return [...REMAP_STEPS];
    case 'remove':
      return [...REMOVE_STEPS];
    case 'bulk':
      return [...BULK_STEPS];
    default:
      throw new Error(`The runner does not run ${String(kind)} requests.`);
  }
}

export function stepTitle(name: string): string {
  return [...ONBOARDING_STEPS, ...REMOVE_STEPS, ...BULK_STEPS].find((s) => s.name === name)?.title ?? name;
}
