// What a new customer's address may go on with, from Partner Center's address validation (PC-11,
// docs/reference/partner-center.md §PC-11): a verified address goes on as entered; where Partner
// Center suggests corrections the operator chooses one or keeps theirs; an address it calls
// incorrect is corrected first. One rule, used by the onboarding dialog (and by anything else that
// takes a new customer's address).
import type { BillingAddress } from '../model';
import type { AddressValidation } from '../ports';

export type AddressVerdict =
  /** Go on with the address as entered. `note` when Partner Center could not validate it. */
  | { kind: 'accept'; note?: string }
  /** Partner Center suggests corrections: use one, or keep the address as entered. */
  | { kind: 'choose'; reason: string; suggestions: BillingAddress[] }
  /** Partner Center calls it incorrect and suggests nothing: it must be corrected. */
  | { kind: 'correct'; reason: string };

const VERIFIED = new Set(['verifiedshippable', 'verified']);
/** Up to 3 suggestions come with these (the docs' list). */
const SUGGESTING = new Set(['interactionrequired', 'streetpartial', 'premisespartial', 'multiple']);
const MAX_SUGGESTIONS = 3;

export function addressVerdict(validation: AddressValidation, entered: BillingAddress): AddressVerdict {
  const status = validation.status.toLowerCase();
  const because = validation.message ? ` (${validation.message})` : '';
  if (VERIFIED.has(status)) return { kind: 'accept' };
  // Corrections that differ from what was entered (a "suggestion" equal to it suggests nothing).
  const suggestions = validation.suggestions.filter((s) => !sameAddress(s, entered)).slice(0, MAX_SUGGESTIONS);
  if (status === 'none') {
    return { kind: 'correct', reason: `Partner Center says this address is incorrect${because}. Correct it, then click Next.` };
  }
  if (SUGGESTING.has(status) && suggestions.length > 0) {
    return {
      kind: 'choose',
      reason: `Partner Center could only partly verify this address${because} and suggests ${suggestions.length === 1 ? 'a correction' : `${suggestions.length} corrections`}: use one, or keep the address as entered.`,
      suggestions,
    };
  }
  if (SUGGESTING.has(status)) {
    return { kind: 'correct', reason: `Partner Center could only partly verify this address${because} and suggests nothing. Check it, then click Next.` };
  }
  // NotValidated, or a status word the docs do not list: nothing says the address is wrong.
  return { kind: 'accept', note: `Partner Center could not validate the address (${validation.status}); it was kept as entered.` };
}

/** The address in one line, as the cards show it. */
export function addressLine(address: BillingAddress): string {
  return [address.addressLine1, address.addressLine2, address.city, address.region, address.postalCode, address.country].filter(Boolean).join(', ');
}

function sameAddress(a: BillingAddress, b: BillingAddress): boolean {
  // Letter case counts: "1015 BA" corrects "1015 ba".
  const norm = (x: BillingAddress) => addressLine(x).replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}
