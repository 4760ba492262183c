// Step 1: the registration exists, is one the bot may change, and bills pay-as-you-use. Whether it
// is approved for multi-tenant billing cannot be read; a refusal seen earlier is shown as a fact.
import { DomainError } from '../../errors';
import type { StepContext, StepOutcome } from './step';

export interface UnapprovedRegistrationFact {
  /** ISO date-time the PUT was refused with UnauthorizedCspRegistration. */
  date: string;
  requestId: string;
}

export function unapprovedRegistrationKey(resourceId: string): string {
  return `registration-unapproved:${resourceId}`;
}

export async function checkRegistration(ctx: StepContext): Promise<StepOutcome> {
  const ref = ctx.request.registration;
  const registrations = ctx.cloud.registrations;
  if (!registrations.allowed.some((r) => r.resourceId.toLowerCase() === ref.resourceId.toLowerCase())) {
    throw new DomainError({
      message: `The registration ${ref.name} is not in the bot's list of registrations (REGISTRATIONS).`,
      nextStep: 'Ask an administrator to add it to REGISTRATIONS, or submit the request again with a listed registration.',
      code: 'RegistrationNotAllowed',
      transient: false,
    });
  }
  const info = await registrations.getRegistration(ref, { abortSignal: ctx.signal });
  if (info.billingModel === 'Capacity') {
    throw new DomainError({
      message: `The registration ${ref.name} uses the Capacity billing model, which cannot bill usage to customers.`,
      nextStep: 'Use a pay-as-you-use registration, or re-register the stamp with the PayAsYouUse billing model.',
      code: 'CustomerSubscriptionsNotAllowed',
      transient: false,
    });
  }
  const refused = await ctx.facts.get<UnapprovedRegistrationFact>(unapprovedRegistrationKey(ref.resourceId));
  const warning = refused
    ? ` Earlier (${refused.date.slice(0, 10)}) Azure refused it as not approved for multi-tenant billing; the mapping will fail again unless Microsoft has approved it since.`
    : '';
  return { status: 'done', detail: `Registration ${ref.name} found (billing model ${info.billingModel}).${warning}` };
}
