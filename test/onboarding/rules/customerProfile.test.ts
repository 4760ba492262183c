import { countryProblems, isCountryCode, isPhoneNumber } from '../../../src/onboarding/rules/customerProfile';

describe("customer profile (Partner Center's rules, for cards and imports alike)", () => {
  it('what a country demands: registration number and phone in the CIS countries, a region in the US', () => {
    expect(countryProblems({ country: 'RU' }).map((p) => p.problem)).toEqual(['organizationRegistrationRequired', 'phoneRequired']);
    expect(countryProblems({ country: 'DE', organizationRegistrationNumber: '1234' })).toEqual([{ field: 'organizationRegistrationNumber', problem: 'organizationRegistrationRefused' }]);
    expect(countryProblems({ country: 'US' })).toEqual([{ field: 'region', problem: 'region' }]);
    expect(countryProblems({ country: 'US', region: 'WA' })).toEqual([]);
  });

  it('phone numbers have 6 to 15 digits; countries are ISO codes', () => {
    expect(isPhoneNumber('+1 (425) 555-0100')).toBe(true);
    expect(isPhoneNumber('12345')).toBe(false);
    expect(isPhoneNumber('+1234567890123456')).toBe(false);
    expect(isCountryCode('DE')).toBe(true);
    expect(isCountryCode('XX')).toBe(false);
  });
});
