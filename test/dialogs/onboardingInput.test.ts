// The server-side rules of every onboarding card (Partner Center's PC-3 among them), the short
// request ids, and that each card's client-side regex agrees with the server.
import { US_BILLING } from '../support/people';
import * as fs from 'fs';
import * as path from 'path';
import { REQUEST_ID_PATTERN } from '../../src/onboarding/model';
import {
  parseAccess,
  parseBillingProfile,
  parseCompany,
  parseCustomerSearch,
  parseDomainPrefix,
  parsePage,
  parseSubscription,
} from '../../src/dialogs/onboardingInput';
import { newRequestId } from '../../src/onboarding/requests/requestIds';
import { COUNTRIES, ORGANIZATION_REGISTRATION_COUNTRIES } from '../../src/onboarding/rules/customerProfile';

const BILLING = { ...US_BILLING, addressLine2: undefined, organizationRegistrationNumber: undefined, email: 'dana@contoso.com', phoneNumber: '4255550101' };

const ATTESTED = { agreementAccepted: 'true', agreementFirstName: 'Cora', agreementLastName: 'Signer', agreementEmail: 'cora@customer.example', agreementDate: '2026-11-27' };

describe('company and domain', () => {
  it('accepts a prefix or the whole domain, lower-cased', () => {
    expect(parseCompany({ companyName: ' Contoso ', domainPrefix: 'ContosoAZS.onmicrosoft.com' })).toEqual({
      ok: true,
      value: { companyName: 'Contoso', domainPrefix: 'contosoazs', domain: 'contosoazs.onmicrosoft.com' },
      values: { companyName: ' Contoso ', domainPrefix: 'ContosoAZS.onmicrosoft.com' },
    });
  });

  it.each(['con.toso', 'contoso-azs', 'a'.repeat(28), ''])('refuses the prefix %p', (prefix) => {
    const result = parseDomainPrefix({ domainPrefix: prefix });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.domainPrefix).toBe('Domain prefix: 1–27 letters or digits, no dots (we add .onmicrosoft.com)');
  });

  it('ignores inputs that are not strings (a crafted card)', () => {
    const result = parseCompany({ companyName: { $gt: '' }, domainPrefix: 'contoso' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual({ companyName: 'Company name: required, up to 100 characters' });
  });
});

describe('billing profile (PC-3)', () => {
  it('parses a valid address into the domain shapes', () => {
    const result = parseBillingProfile(BILLING);
    expect(result).toMatchObject({
      ok: true,
      value: {
        address: { country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052', addressLine1: 'One Microsoft Way' },
        contact: { firstName: 'Dana', lastName: 'Lee', email: 'dana@contoso.com', phoneNumber: '4255550101' },
        culture: 'en-US',
        language: 'en',
      },
    });
  });

  it.each(ORGANIZATION_REGISTRATION_COUNTRIES.map((c) => [c]))('requires the registration number and a phone in %s', (country) => {
    const result = parseBillingProfile({ ...BILLING, country, region: '', phoneNumber: '' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.organizationRegistrationNumber).toBe('Organisation registration number: Partner Center requires it for customers in this country');
      expect(result.errors.phoneNumber).toBe('Phone: Partner Center requires a phone number for customers in this country');
    }
  });

  it('refuses a registration number outside those countries', () => {
    const result = parseBillingProfile({ ...BILLING, country: 'DE', region: '', organizationRegistrationNumber: 'HRB 12345' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors)).toEqual(['organizationRegistrationNumber']);
  });

  it.each([
    ['phoneNumber', '12345', 'Phone: 6–15 digits, optionally starting with + (spaces, dots, dashes and brackets are fine)'],
    ['phoneNumber', '+1 (425) 555-0101 ext', 'Phone: 6–15 digits, optionally starting with + (spaces, dots, dashes and brackets are fine)'],
    ['email', 'dana@contoso', 'Email: an address like it@contoso.com'],
    ['country', 'XX', 'Country: choose the country of the billing address'],
    ['postalCode', '9', 'Postal code: 2–11 letters, digits, spaces or dashes'],
    ['culture', 'xx-YY', 'Culture: choose one from the list'],
    ['city', '', 'City: required, up to 64 characters'],
  ])('refuses %s %p', (field, value, message) => {
    const result = parseBillingProfile({ ...BILLING, [field]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[field]).toBe(message);
  });

  it('lists every ISO 3166-1 alpha-2 country once', () => {
    const codes = COUNTRIES.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBe(249);
    expect(codes).toEqual(expect.arrayContaining(['US', 'GB', 'DE', 'HU', 'UA', 'KZ']));
    expect(codes).not.toContain('UK');
  });
});

describe('customer search, subscription, access, paging', () => {
  it('search needs 2 characters; a domain search refuses odd characters', () => {
    expect(parseCustomerSearch({ searchField: 'CompanyName', customerQuery: 'Co' })).toMatchObject({ ok: true, value: { field: 'CompanyName', prefix: 'Co' } });
    const domain = parseCustomerSearch({ searchField: 'Domain', customerQuery: 'contoso/..' });
    expect(domain.ok).toBe(false);
  });

  it('an existing subscription must be a GUID and is lower-cased', () => {
    expect(parseSubscription({ subscriptionKind: 'existing', azureSubscriptionId: ' 3F15978E-005C-B763-BB78-2A8FAB289C58 ' })).toMatchObject({
      ok: true,
      value: { kind: 'existing', azureSubscriptionId: '3f15978e-005c-b763-bb78-2a8fab289c58' },
    });
    expect(parseSubscription({ subscriptionKind: 'azure-plan', azureSubscriptionId: 'ignored', ...ATTESTED })).toMatchObject({ ok: true, value: { kind: 'azure-plan' } });
    expect(parseSubscription({ subscriptionKind: 'something' }).ok).toBe(false);
  });

  it('a new Azure plan needs the attested acceptance of the Microsoft Customer Agreement: the tick, who accepted, and a past date', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    expect(parseSubscription({ subscriptionKind: 'azure-plan', ...ATTESTED, agreementPhone: ' +1 425 555 0101 ' }, now)).toEqual({
      ok: true,
      value: { kind: 'azure-plan', agreement: { acceptedBy: { firstName: 'Cora', lastName: 'Signer', email: 'cora@customer.example', phoneNumber: '+1 425 555 0101' }, dateAccepted: '2026-11-27' } },
      values: expect.any(Object),
    });
    const refused = (data: Record<string, string>) => {
      const parsed = parseSubscription({ subscriptionKind: 'azure-plan', ...ATTESTED, ...data }, now);
      return parsed.ok ? {} : parsed.errors;
    };
    expect(Object.keys(refused({ agreementAccepted: 'false' }))).toEqual(['agreementAccepted']);
    expect(Object.keys(refused({ agreementFirstName: ' ' }))).toEqual(['agreementFirstName']);
    expect(Object.keys(refused({ agreementLastName: 'x'.repeat(51) }))).toEqual(['agreementLastName']);
    expect(Object.keys(refused({ agreementEmail: 'not-an-email' }))).toEqual(['agreementEmail']);
    expect(Object.keys(refused({ agreementPhone: '12' }))).toEqual(['agreementPhone']);
    for (const date of ['', '2026-12-03', '2026-02-30', '27.11.2026', 'yesterday']) expect(Object.keys(refused({ agreementDate: date }))).toEqual(['agreementDate']);
    expect(refused({ agreementDate: '2026-12-01' })).toEqual({});
    // An existing subscription needs none of it.
    expect(parseSubscription({ subscriptionKind: 'existing', azureSubscriptionId: '3f15978e-005c-b763-bb78-2a8fab289c58' }, now).ok).toBe(true);
  });

  it('access: none, or a guest with email and name', () => {
    expect(parseAccess({ accessKind: 'none', adminEmail: 'junk' })).toMatchObject({ ok: true, value: { kind: 'none' } });
    expect(parseAccess({ accessKind: 'guest-instructions', adminEmail: 'a@b.co', adminName: 'Ann' })).toMatchObject({
      ok: true,
      value: { kind: 'guest-owner', email: 'a@b.co', displayName: 'Ann', mode: 'instructions' },
    });
  });

  it('page numbers from a card are whole and small, or 0', () => {
    expect(parsePage({ page: 2 })).toBe(2);
    expect(parsePage({ page: '3' })).toBe(3);
    expect(parsePage({ page: -1 })).toBe(0);
    expect(parsePage({ page: 1.5 })).toBe(0);
    expect(parsePage({ page: 'x' })).toBe(0);
  });
});

describe('request ids', () => {
  it('look like ONB-7F3K: the prefix, 4–8 characters without I or O', () => {
    const ids = Array.from({ length: 500 }, () => newRequestId('onboard'));
    for (const id of ids) {
      expect(id).toMatch(new RegExp(REQUEST_ID_PATTERN));
      expect(id).toMatch(/^ONB-[0-9A-HJ-NP-Z]{4}$/);
    }
    expect(new Set(ids).size).toBeGreaterThan(490);
    expect(newRequestId('remap', 8)).toMatch(/^MAP-[0-9A-HJ-NP-Z]{8}$/);
    expect(() => newRequestId('onboard', 9)).toThrow(RangeError);
  });
});

describe("the cards' client-side checks agree with the server", () => {
  const templates = path.join(__dirname, '..', '..', 'src', 'cards', 'templates');
  function regexOf(template: string, inputId: string): RegExp {
    const card = JSON.parse(fs.readFileSync(path.join(templates, `${template}.json`), 'utf8'));
    let regex: string | undefined;
    JSON.stringify(card, (_key, value) => {
      if (value && value.id === inputId && typeof value.regex === 'string') regex = value.regex;
      return value;
    });
    if (!regex) throw new Error(`${template}.${inputId} has no regex`);
    return new RegExp(regex);
  }

  it.each([
    ['onboardCompany', 'domainPrefix', ['contoso', 'Contoso.onmicrosoft.com'], ['con.toso', 'a'.repeat(28)], (v: string) => parseDomainPrefix({ domainPrefix: v }).ok],
    ['onboardBilling', 'phoneNumber', ['+1 425 555 0101', '4255550101'], ['12ab', '12'], (v: string) => parseBillingProfile({ ...BILLING, phoneNumber: v }).ok],
    ['onboardBilling', 'postalCode', ['98052', 'SW1A 1AA'], ['9', '!!'], (v: string) => parseBillingProfile({ ...BILLING, postalCode: v }).ok],
    ['onboardBilling', 'email', ['dana@contoso.com'], ['dana@', 'dana'], (v: string) => parseBillingProfile({ ...BILLING, email: v }).ok],
    [
      'onboardSubscription',
      'azureSubscriptionId',
      ['3f15978e-005c-b763-bb78-2a8fab289c58'],
      ['3f15978e-005c-b763-bb78', 'nope'],
      (v: string) => parseSubscription({ subscriptionKind: 'existing', azureSubscriptionId: v }).ok,
    ],
  ] as const)('%s.%s', (template, input, good, bad, serverAccepts) => {
    const regex = regexOf(template, input);
    for (const v of good) expect([v, regex.test(v), serverAccepts(v)]).toEqual([v, true, true]);
    for (const v of bad) expect([v, regex.test(v), serverAccepts(v)]).toEqual([v, false, false]);
  });
});
