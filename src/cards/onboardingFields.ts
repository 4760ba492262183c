// The input ids of the onboarding cards, one list per card: the templates name their inputs from
// these lists and the dialog's parser (src/dialogs/onboardingInput.ts) reads exactly these fields.
export const CUSTOMER_SEARCH_FIELDS = ['searchField', 'customerQuery'] as const;

export const COMPANY_FIELDS = ['companyName', 'domainPrefix'] as const;

export const BILLING_FIELDS = [
  'country',
  'region',
  'city',
  'postalCode',
  'addressLine1',
  'addressLine2',
  'organizationRegistrationNumber',
  'firstName',
  'lastName',
  'email',
  'phoneNumber',
  'culture',
  'language',
] as const;

export const SUBSCRIPTION_FIELDS = [
  'subscriptionKind',
  'azureSubscriptionId',
  // A new Azure plan: the customer's acceptance of the Microsoft Customer Agreement, attested by the requester.
  'agreementAccepted',
  'agreementFirstName',
  'agreementLastName',
  'agreementEmail',
  'agreementPhone',
  'agreementDate',
] as const;

export const ACCESS_FIELDS = ['accessKind', 'adminEmail', 'adminName'] as const;

/** The Azure Stack Hub card (step 4 when the registration has a stamp). */
export const STAMP_FIELDS = ['stampOffer', 'managedBy', 'adminEmail', 'adminName'] as const;
