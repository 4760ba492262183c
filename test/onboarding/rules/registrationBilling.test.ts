import { tenantBilling } from '../../../src/onboarding/rules/registrationBilling';

describe('tenantBilling (can this registration take customer tenants?)', () => {
  it.each(['Capacity', 'capacity', 'CAPACITY', 'Development', 'development', 'SomethingNew'])('refuses %s, with the reason every refusal shows', (model) => {
    expect(tenantBilling('north', model)).toEqual({
      takesTenants: false,
      reason: `north uses the ${model} billing model, which cannot bill usage to customer tenants: only a PayAsYouUse registration can.`,
    });
  });

  it.each(['PayAsYouUse', 'payasyouuse', 'PAYASYOUUSE'])('takes tenants on %s', (model) => {
    expect(tenantBilling('east', model)).toEqual({ takesTenants: true });
  });
});
