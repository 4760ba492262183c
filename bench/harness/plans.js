// The onboarding plan the benches submit: a new customer in Redmond (the simulated cloud validates
// US addresses), its billing contact attesting the Microsoft Customer Agreement, an Azure plan, and
// guest access for the CSP's operations account. `prefix` makes the domain and e-mails unique.

/** The plan's parts as an onboarding request or a bulk row carries them (the registration apart). */
function newCustomerPlan(prefix, companyName) {
  const contact = { firstName: 'Bea', lastName: 'Admin', email: `bea@${prefix}.example` };
  return {
    kind: 'onboard',
    customer: {
      kind: 'new',
      companyName,
      domain: `${prefix}.onmicrosoft.com`,
      address: { country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052', addressLine1: 'One Microsoft Way' },
      contact,
      culture: 'en-US',
      language: 'en',
    },
    subscription: { kind: 'azure-plan' },
    // The customer's acceptance of the Microsoft Customer Agreement, as the requester attests it (the run confirms it).
    agreement: { acceptedBy: contact, dateAccepted: '2026-11-30' },
    access: { kind: 'guest-owner', email: `ops-${prefix}@csp.example`, displayName: 'CSP Ops', mode: 'automatic' },
  };
}

module.exports = { newCustomerPlan };
