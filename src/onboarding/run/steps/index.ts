// The runbook, in order. Each step is idempotent: it looks for its own earlier result first.
import type { RequestKind } from '../../model';
import { findOrBuyAzurePlan } from './azurePlan';
import { waitForAzureSubscription } from './azureSubscription';
import { runBulkRows } from './bulkRows';
import { postBulkResult } from './bulkResult';
import { checkRegistration } from './checkRegistration';
import { customerAccess, skipWithoutAccess } from './customerAccess';
import { customerAgreement, skipWithExistingSubscription } from './customerAgreement';
import { findOrCreateCustomer } from './customer';
import { mapTenant } from './mapTenant';
import { postResult, skipForBatchRow } from './postResult';
import { remapTenant } from './remapTenant';
import { removeMapping } from './removeMapping';
import { offboardDirectory } from './offboardDirectory';
import { offboardMappings } from './offboardMappings';
import { offboardOwner } from './offboardOwner';
import { offboardSubscriptions } from './offboardSubscriptions';
import { stampAccess } from './stampAccess';
import { stampCheck } from './stampCheck';
import { stampConsent } from './stampConsent';
import { stampDirectory } from './stampDirectory';
import { stampSubscription } from './stampSubscription';
import { skipWithoutStamp, type StepDefinition } from './step';

export const ONBOARDING_STEPS: readonly StepDefinition[] = [
  { name: 'check-registration', title: 'Check the registration', run: checkRegistration },
  { name: 'customer', title: 'Find or create the customer', run: findOrCreateCustomer },
  { name: 'customer-agreement', title: 'Customer agreement', run: customerAgreement, skip: skipWithExistingSubscription },
  { name: 'azure-plan', title: 'Find or buy the Azure plan', run: findOrBuyAzurePlan, skip: skipWithExistingSubscription },
  { name: 'azure-subscription', title: 'Azure subscription active', run: waitForAzureSubscription },
  { name: 'customer-access', title: 'Customer access (guest + Owner)', run: customerAccess, skip: skipWithoutAccess },
  { name: 'map-tenant', title: 'Map the tenant on the registration', run: mapTenant },
  // The Azure Stack Hub side (skipped, billing only, when the registration has no stamp).
  { name: 'stamp-directory', title: 'Onboard the directory on the Azure Stack Hub', run: stampDirectory, skip: skipWithoutStamp },
  { name: 'stamp-consent', title: 'The customer’s consent', run: stampConsent, skip: skipWithoutStamp },
  { name: 'stamp-subscription', title: 'Create the Azure Stack Hub subscription', run: stampSubscription, skip: skipWithoutStamp },
  { name: 'stamp-access', title: 'Azure Stack Hub access (CSP guest)', run: stampAccess, skip: skipWithoutStamp },
  { name: 'stamp-check', title: 'Check the Azure Stack Hub subscription', run: stampCheck, skip: skipWithoutStamp },
  { name: 'post-result', title: 'Post the result', run: postResult, skip: skipForBatchRow },
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

/** Offboarding: the onboarding's pieces in reverse (the Owner role goes before the subscription is disabled, which makes it read-only). */
export const OFFBOARD_STEPS: readonly StepDefinition[] = [
  { name: 'offboard-mappings', title: 'Remove the mappings', run: offboardMappings },
  { name: 'offboard-owner', title: 'Remove the CSP guest’s Owner role', run: offboardOwner },
  { name: 'offboard-subscriptions', title: 'Disable the Azure Stack Hub subscriptions', run: offboardSubscriptions },
  { name: 'offboard-directory', title: 'Unregister the directory (if asked)', run: offboardDirectory },
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
    case 'offboard':
      return [...OFFBOARD_STEPS];
    case 'bulk':
      return [...BULK_STEPS];
    default:
      throw new Error(`The runner does not run ${String(kind)} requests.`);
  }
}

export function stepTitle(name: string): string {
  return [...ONBOARDING_STEPS, ...REMOVE_STEPS, ...OFFBOARD_STEPS, ...BULK_STEPS].find((s) => s.name === name)?.title ?? name;
}
