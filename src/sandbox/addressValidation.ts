// Simulated `POST /v1/validations/address` (Partner Center "Validate an address", PC-11): today's
// answer, 200 with `status`, `suggestedAddresses` and `validationMessage`. The real service checks
// addresses against postal data; this one checks postal codes for a few countries (README.md):
// a code in the country's format is verified (a US ZIP comes back with its +4 digits, as the docs
// say), one that is right but written loosely gets the corrected spelling as a suggestion
// (InteractionRequired), one that cannot be right is "Address is incorrect" (None), and other
// countries are NotValidated.
import { BadJson, json, jsonBody, pcError, text, type ApiRequest, type Reply } from './http';

interface PostalRule {
  /** The code as the country writes it. */
  format: RegExp;
  /** The loosely written code in the country's spelling, or undefined when it cannot be one. */
  normalise(code: string): string | undefined;
  /** Whether the docs' table's `state` is needed here. */
  needsState: boolean;
}

const squeeze = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');

const RULES: Record<string, PostalRule> = {
  US: {
    format: /^\d{5}(-\d{4})?$/,
    normalise: (code) => {
      const digits = squeeze(code);
      if (/^\d{5}$/.test(digits)) return digits;
      return /^\d{9}$/.test(digits) ? `${digits.slice(0, 5)}-${digits.slice(5)}` : undefined;
    },
    needsState: true,
  },
  CA: {
    format: /^[A-Z]\d[A-Z] \d[A-Z]\d$/,
    normalise: (code) => (/^[A-Z]\d[A-Z]\d[A-Z]\d$/.test(squeeze(code)) ? `${squeeze(code).slice(0, 3)} ${squeeze(code).slice(3)}` : undefined),
    needsState: true,
  },
  GB: {
    format: /^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/,
    normalise: (code) => (/^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$/.test(squeeze(code)) ? `${squeeze(code).slice(0, -3)} ${squeeze(code).slice(-3)}` : undefined),
    needsState: false,
  },
  NL: {
    format: /^\d{4} [A-Z]{2}$/,
    normalise: (code) => (/^\d{4}[A-Z]{2}$/.test(squeeze(code)) ? `${squeeze(code).slice(0, 4)} ${squeeze(code).slice(4)}` : undefined),
    needsState: false,
  },
  DE: { format: /^\d{5}$/, normalise: (code) => (/^\d{5}$/.test(squeeze(code)) ? squeeze(code) : undefined), needsState: false },
  FR: { format: /^\d{5}$/, normalise: (code) => (/^\d{5}$/.test(squeeze(code)) ? squeeze(code) : undefined), needsState: false },
};

const POSTAL_CODE_INVALID = "Address field invalid for property: 'PostalCode'";

export function validateAddress(req: ApiRequest): Reply {
  let body: unknown;
  try {
    body = jsonBody(req);
  } catch (e) {
    if (e instanceof BadJson) return pcError(400, 400, 'The request body could not be read as JSON.');
    throw e;
  }
  // text() reads names case-insensitively: the docs' PascalCase examples and camelCase tables both work.
  const address = {
    addressLine1: text(body, 'AddressLine1'),
    addressLine2: text(body, 'AddressLine2'),
    city: text(body, 'City'),
    state: text(body, 'State'),
    postalCode: text(body, 'PostalCode'),
    country: text(body, 'Country')?.toUpperCase(),
  };
  const rule = address.country ? RULES[address.country] : undefined;
  const missing: string[] = (['addressLine1', 'city', 'postalCode', 'country'] as const).filter((k) => !address[k]);
  if (rule?.needsState && !address.state) missing.push('state');
  if (missing.length > 0) return pcError(400, 800002, `The address is missing: ${missing.join(', ')}.`);
  const original = Object.fromEntries(Object.entries(address).filter(([, v]) => v !== undefined));
  const answer = (status: string, suggestedAddresses: object[], validationMessage?: string) =>
    json(200, { originalAddress: original, suggestedAddresses, status, ...(validationMessage ? { validationMessage } : {}) });

  if (!rule) return answer('NotValidated', [], `Addresses in ${address.country} are not validated here.`);
  const code = address.postalCode!;
  if (rule.format.test(code)) {
    return answer('VerifiedShippable', [{ ...original, postalCode: address.country === 'US' ? zipPlusFour(code) : code }]);
  }
  const corrected = rule.normalise(code);
  if (corrected) return answer('InteractionRequired', [{ ...original, postalCode: corrected }], POSTAL_CODE_INVALID);
  return answer('None', [], POSTAL_CODE_INVALID);
}

/** "US post codes will return an additional four digits + hyphen" (docs): made up, the same for the same code. */
function zipPlusFour(code: string): string {
  if (code.includes('-')) return code;
  const sum = [...code].reduce((n, d) => n * 7 + Number(d), 0);
  return `${code}-${String(sum % 10_000).padStart(4, '0')}`;
}
