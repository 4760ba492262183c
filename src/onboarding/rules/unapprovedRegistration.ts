// "Azure refused this registration as not approved for multi-tenant billing": a fact only a failed
// PUT reveals (UnauthorizedCspRegistration). The mapping steps record it; the registration check,
// the registration card and the approval card show it, with its date, until Microsoft approves.
import type { RegistrationRef } from '../model';
import type { FactStore } from '../ports';

export interface UnapprovedRegistrationFact {
  /** ISO date-time the PUT was refused with UnauthorizedCspRegistration. */
  date: string;
  requestId: string;
}

function unapprovedRegistrationKey(resourceId: string): string {
  return `registration-unapproved:${resourceId}`;
}

export async function recordUnapprovedRegistration(facts: FactStore, registration: Pick<RegistrationRef, 'resourceId'>, fact: UnapprovedRegistrationFact): Promise<void> {
  await facts.set(unapprovedRegistrationKey(registration.resourceId), fact);
}

export async function unapprovedRegistration(facts: FactStore, registration: Pick<RegistrationRef, 'resourceId'>): Promise<UnapprovedRegistrationFact | undefined> {
  return facts.get<UnapprovedRegistrationFact>(unapprovedRegistrationKey(registration.resourceId));
}
