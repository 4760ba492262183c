// The runbook, in order. Each step is idempotent: it looks for its own earlier result first.
import type { RequestKind } from '../model';
import { findOrBuyAzurePlan } from './azurePlan';
import { waitForAzureSubscription } from './azureSubscription';
import { checkRegistration } from './checkRegistration';
import { customerAccess } from './customerAccess';
import { customerAgreement } from './customerAgreement';
import { findOrCreateCustomer } from './customer';
import { mapTenant } from './mapTenant';
import { postResult } from './postResult';
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

/** The steps of a request's run. Re-map and removal requests have their own runs (the tenant-management feature). */
export function onboardingSteps(kind: RequestKind): StepDefinition[] {
  if (kind !== 'onboard') {
    throw new Error(`The onboarding runner does not run ${kind} requests.`);
  }
  return [...ONBOARDING_STEPS];
}

export function stepTitle(name: string): string {
  return ONBOARDING_STEPS.find((s) => s.name === name)?.title ?? name;
}
