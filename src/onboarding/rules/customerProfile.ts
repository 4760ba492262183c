// Partner Center's rules for a new customer's profile (its "create a customer" rules, errors 600002,
// 600049, 600051; docs/reference/partner-center.md §PC-3): countries, billing cultures and
// languages, the shape of a domain prefix, phone number, postal code and organisation registration
// number, and which countries require what. The onboarding cards apply them
// (src/dialogs/onboardingInput.ts), and so must anything else that takes customers in (a bulk import).
import countries from './countries.json';

export interface Country {
  /** ISO 3166-1 alpha-2. */
  code: string;
  name: string;
}

/** ISO 3166-1 alpha-2 codes with English names, sorted by name. */
export const COUNTRIES: readonly Country[] = countries;
const COUNTRY_CODES = new Set(COUNTRIES.map((c) => c.code));

/**
 * Partner Center requires the organisation registration number (and a phone number) for customers
 * in these countries, and refuses it elsewhere (errors 600049, 600051 and 600002).
 */
export const ORGANIZATION_REGISTRATION_COUNTRIES: readonly string[] = [
  'AM', 'AZ', 'BY', 'HU', 'KZ', 'KG', 'MD', 'RU', 'TJ', 'UZ', 'UA',
];

/** Billing cultures Partner Center accepts for a customer's billing profile. */
export const CULTURES: readonly { code: string; name: string }[] = [
  { code: 'en-US', name: 'English (United States)' },
  { code: 'en-GB', name: 'English (United Kingdom)' },
  { code: 'en-AU', name: 'English (Australia)' },
  { code: 'en-CA', name: 'English (Canada)' },
  { code: 'en-IN', name: 'English (India)' },
  { code: 'de-DE', name: 'German (Germany)' },
  { code: 'de-AT', name: 'German (Austria)' },
  { code: 'de-CH', name: 'German (Switzerland)' },
  { code: 'fr-FR', name: 'French (France)' },
  { code: 'fr-CA', name: 'French (Canada)' },
  { code: 'es-ES', name: 'Spanish (Spain)' },
  { code: 'es-MX', name: 'Spanish (Mexico)' },
  { code: 'it-IT', name: 'Italian (Italy)' },
  { code: 'nl-NL', name: 'Dutch (Netherlands)' },
  { code: 'pt-BR', name: 'Portuguese (Brazil)' },
  { code: 'pt-PT', name: 'Portuguese (Portugal)' },
  { code: 'pl-PL', name: 'Polish (Poland)' },
  { code: 'sv-SE', name: 'Swedish (Sweden)' },
  { code: 'da-DK', name: 'Danish (Denmark)' },
  { code: 'nb-NO', name: 'Norwegian (Norway)' },
  { code: 'fi-FI', name: 'Finnish (Finland)' },
  { code: 'hu-HU', name: 'Hungarian (Hungary)' },
  { code: 'ru-RU', name: 'Russian (Russia)' },
  { code: 'uk-UA', name: 'Ukrainian (Ukraine)' },
  { code: 'tr-TR', name: 'Turkish (Türkiye)' },
  { code: 'ja-JP', name: 'Japanese (Japan)' },
  { code: 'ko-KR', name: 'Korean (Korea)' },
  { code: 'zh-CN', name: 'Chinese (China)' },
  { code: 'zh-TW', name: 'Chinese (Taiwan)' },
];

export const LANGUAGES: readonly { code: string; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'de', name: 'German' },
  { code: 'fr', name: 'French' },
  { code: 'es', name: 'Spanish' },
  { code: 'it', name: 'Italian' },
  { code: 'nl', name: 'Dutch' },
  { code: 'pt', name: 'Portuguese' },
  { code: 'pl', name: 'Polish' },
  { code: 'sv', name: 'Swedish' },
  { code: 'da', name: 'Danish' },
  { code: 'nb', name: 'Norwegian' },
  { code: 'fi', name: 'Finnish' },
  { code: 'hu', name: 'Hungarian' },
  { code: 'ru', name: 'Russian' },
  { code: 'uk', name: 'Ukrainian' },
  { code: 'tr', name: 'Turkish' },
  { code: 'ja', name: 'Japanese' },
  { code: 'ko', name: 'Korean' },
  { code: 'zh', name: 'Chinese' },
];

// Patterns: the cards' client-side `regex` uses the same ones, so both sides agree.
export const DOMAIN_PREFIX_PATTERN = '^[A-Za-z0-9]{1,27}$';
export const PHONE_PATTERN = '^\\+?[0-9][0-9 ().-]{4,22}[0-9]$';
export const EMAIL_PATTERN = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';
export const POSTAL_CODE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9 -]{1,10}$';
export const ORGANIZATION_REGISTRATION_PATTERN = '^[A-Za-z0-9][A-Za-z0-9 /-]{2,38}[A-Za-z0-9]$';

/** Countries whose addresses Partner Center refuses without a state or province. */
const REGION_REQUIRED = new Set(['US', 'CA', 'AU', 'BR', 'MX', 'IN', 'CN', 'JP']);

export function isCountryCode(code: string): boolean {
  return COUNTRY_CODES.has(code);
}

export function isCulture(code: string): boolean {
  return CULTURES.some((c) => c.code === code);
}

export function isLanguage(code: string): boolean {
  return LANGUAGES.some((l) => l.code === code);
}

/** The pattern, and 6 to 15 digits (E.164 allows 15). */
export function isPhoneNumber(phone: string): boolean {
  const digits = phone.replace(/\D/g, '').length;
  return new RegExp(PHONE_PATTERN).test(phone) && digits >= 6 && digits <= 15;
}

export type CountryProblem = 'organizationRegistrationRequired' | 'organizationRegistrationRefused' | 'phoneRequired' | 'region';

/** What the billing country demands of the rest of the profile, as (field, problem) pairs. */
export function countryProblems(profile: {
  country: string;
  region?: string;
  phoneNumber?: string;
  organizationRegistrationNumber?: string;
}): Array<{ field: 'organizationRegistrationNumber' | 'phoneNumber' | 'region'; problem: CountryProblem }> {
  const problems: Array<{ field: 'organizationRegistrationNumber' | 'phoneNumber' | 'region'; problem: CountryProblem }> = [];
  const needsRegistration = ORGANIZATION_REGISTRATION_COUNTRIES.includes(profile.country);
  if (needsRegistration && !profile.organizationRegistrationNumber) problems.push({ field: 'organizationRegistrationNumber', problem: 'organizationRegistrationRequired' });
  if (!needsRegistration && profile.organizationRegistrationNumber) problems.push({ field: 'organizationRegistrationNumber', problem: 'organizationRegistrationRefused' });
  if (needsRegistration && !profile.phoneNumber) problems.push({ field: 'phoneNumber', problem: 'phoneRequired' });
  if (REGION_REQUIRED.has(profile.country) && !profile.region) problems.push({ field: 'region', problem: 'region' });
  return problems;
}
