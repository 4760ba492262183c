// The bot's configuration: environment variables (optionally from a .env file), parsed once at
// start-up. The variable names are a contract with administrators (README, docs/operations.md).
import { z } from 'zod';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REGISTRATION_ID_RE =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.AzureStack\/registrations\/[^/]+$/i;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const optionalUrl = z.preprocess(
  emptyToUndefined,
  z.string().trim().url('expected an absolute URL such as https://example.com').optional(),
);
// An app-only token scope: `<resource>/.default` (the client-credentials flow takes nothing else).
const optionalScope = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .trim()
    .url('expected a token scope such as https://graph.microsoft.com/.default')
    .refine((v) => v.endsWith('/.default'), 'expected a token scope ending in /.default, such as https://graph.microsoft.com/.default')
    .optional(),
);
const guid = z.string().trim().regex(GUID_RE, 'expected a GUID such as 00000000-0000-0000-0000-000000000000');
const optionalGuid = z.preprocess(emptyToUndefined, guid.optional());

function list<T extends z.ZodTypeAny>(item: T, what: string) {
  return z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
        : (v ?? []),
    z.array(item, { invalid_type_error: `expected a comma-separated list of ${what}` }),
  );
}

function bool(defaultValue: boolean) {
  return z.preprocess(
    (v) => emptyToUndefined(v) ?? String(defaultValue),
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((s) => ['true', 'false', '1', '0', 'yes', 'no'].includes(s), 'expected true or false')
      .transform((s) => s === 'true' || s === '1' || s === 'yes'),
  );
}

function int(defaultValue: number, min: number, max: number) {
  return z.preprocess(
    (v) => emptyToUndefined(v) ?? String(defaultValue),
    z
      .string()
      .trim()
      .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
      .transform(Number)
      .refine((n) => n >= min && n <= max, `expected a whole number from ${min} to ${max}`),
  );
}

/** Hours with decimals allowed (e.g. 0.5), from just above zero to `max`. */
function hours(defaultValue: number, max: number) {
  return z.preprocess(
    (v) => emptyToUndefined(v) ?? String(defaultValue),
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, `expected a number of hours such as 24 or 0.5, above 0 and at most ${max}`)
      .transform(Number)
      .refine((n) => n > 0 && n <= max, `expected a number of hours such as 24 or 0.5, above 0 and at most ${max}`),
  );
}

/** One `AZURESTACK_STAMPS` entry: the registration a stamp reports to, and the stamp's admin ARM endpoint. */
export interface StampSetting {
  /** The registration's name (the last segment of its resource id in REGISTRATIONS). */
  registration: string;
  /** `https://adminmanagement.<region>.<fqdn>`: its /metadata/endpoints names the authority and the audience. */
  endpoint: string;
}

const stampPair = z
  .string()
  .transform((pair, ctx): StampSetting => {
    const eq = pair.indexOf('=');
    const registration = eq > 0 ? pair.slice(0, eq).trim() : '';
    const endpoint = eq > 0 ? pair.slice(eq + 1).trim().replace(/\/+$/, '') : '';
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (!registration || !url || url.protocol !== 'https:' || !/adminmanagement/i.test(endpoint)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected <registration name>=<stamp admin ARM endpoint> such as azurestack-payg-east=https://adminmanagement.east.contoso.local, got '${pair}'`,
      });
      return z.NEVER;
    }
    return { registration, endpoint };
  });

export const CLOUDS = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment', 'sandbox'] as const;
export type CloudName = (typeof CLOUDS)[number];

const schema = z
  .object({
    NODE_ENV: optionalString,
    PORT: int(3978, 0, 65535),
    LOG_LEVEL: z.preprocess(
      (v) => emptyToUndefined(v) ?? 'info',
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        errorMap: () => ({ message: 'expected one of fatal, error, warn, info, debug, trace, silent' }),
      }),
    ),

    // Bot identity (read by botbuilder's ConfigurationBotFrameworkAuthentication too).
    MicrosoftAppId: optionalString,
    MicrosoftAppPassword: optionalString,
    MicrosoftAppType: z.preprocess(
      (v) => emptyToUndefined(v) ?? 'MultiTenant',
      z.enum(['SingleTenant', 'UserAssignedMSI', 'MultiTenant'], {
        errorMap: () => ({ message: 'expected SingleTenant, UserAssignedMSI or MultiTenant' }),
      }),
    ),
    MicrosoftAppTenantId: optionalGuid,
    // Local mode (no token validation, 127.0.0.1 only): an explicit opt-in, on the simulated cloud only.
    LOCAL_MODE: bool(false),
    ALLOWED_TENANT_IDS: list(guid, 'tenant GUIDs'),

    // Clouds and credentials (@azure/identity reads the AZURE_* variables itself too).
    CLOUD: z.preprocess(
      emptyToUndefined,
      z
        .enum(CLOUDS, {
          errorMap: () => ({ message: `expected one of ${CLOUDS.join(', ')}` }),
        })
        .optional(),
    ),
    AZURE_TENANT_ID: optionalGuid,
    AZURE_CLIENT_ID: optionalGuid,
    AZURE_CLIENT_SECRET: optionalString,
    AZURE_CLIENT_CERTIFICATE_PATH: optionalString,
    AZURE_AUTHORITY_HOST: optionalUrl,
    AZURE_DISABLE_INSTANCE_DISCOVERY: bool(false),
    ARM_ENDPOINT: optionalUrl,
    GRAPH_ENDPOINT: optionalUrl,
    PARTNER_CENTER_ENDPOINT: optionalUrl,
    // Each service's own Entra authority and token scope; unset: the cloud's defaults
    // (src/services/clouds.ts). ROLE_ASSIGNMENT_AUDIENCE below is the role-assignment scope.
    ARM_AUTHORITY_HOST: optionalUrl,
    ARM_SCOPE: optionalScope,
    GRAPH_AUTHORITY_HOST: optionalUrl,
    GRAPH_SCOPE: optionalScope,
    PARTNER_CENTER_AUTHORITY_HOST: optionalUrl,
    PARTNER_CENTER_SCOPE: optionalScope,
    ROLE_ASSIGNMENT_AUTHORITY_HOST: optionalUrl,
    // Delegated (App+User) Partner Center credential: needed only to confirm the customer
    // agreement. Without it the run pauses and asks an operator to confirm in Partner Center.
    PARTNER_CENTER_REFRESH_TOKEN: optionalString,
    // Where the Owner role assignment is made: the Azure Stack Hub stamp's ARM endpoint and its
    // api-version (2015-07-01 on a stamp), or Azure's ARM (2022-04-01) when unset.
    ROLE_ASSIGNMENT_ENDPOINT: optionalUrl,
    // The stamp's token audience (its /metadata/endpoints authentication.audiences[0]); tokens for
    // role assignments ask for `<audience>/.default`. Unset: the endpoint's own scope.
    ROLE_ASSIGNMENT_AUDIENCE: optionalUrl,
    ROLE_ASSIGNMENT_API_VERSION: z.preprocess(
      (v) => emptyToUndefined(v) ?? '2022-04-01',
      z.enum(['2015-07-01', '2022-04-01'], { errorMap: () => ({ message: 'expected 2015-07-01 or 2022-04-01' }) }),
    ),
    REGISTRATIONS: list(
      z
        .string()
        .regex(
          REGISTRATION_ID_RE,
          'expected registration resource ids like /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.AzureStack/registrations/<name>',
        ),
      'registration resource ids',
    ),

    // Azure Stack Hub stamps (the stamp side of onboarding): `<registration name>=<admin ARM endpoint>`
    // pairs. A registration without one gets billing only. CSP_GUEST_ACCOUNT: the CSP's dedicated account.
    AZURESTACK_STAMPS: list(stampPair, '<registration name>=<stamp admin ARM endpoint> pairs'),
    CSP_GUEST_ACCOUNT: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .trim()
        .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'expected the user principal name of the CSP’s dedicated account, such as azs-operations@contoso-csp.onmicrosoft.com')
        .optional(),
    ),

    // Store.
    STORE: z.preprocess(
      (v) => emptyToUndefined(v) ?? 'sqlite',
      z.enum(['sqlite', 'blob'], { errorMap: () => ({ message: 'expected sqlite or blob' }) }),
    ),
    STORE_PATH: z.preprocess((v) => emptyToUndefined(v) ?? './data/bot.db', z.string()),
    AZURE_STORAGE_CONNECTION_STRING: optionalString,
    AZURE_STORAGE_ACCOUNT_URL: optionalUrl,
    // With AZURE_STORAGE_ACCOUNT_URL: the user-assigned managed identity the store signs in as
    // (its client id); unset: the system-assigned identity. Never the AZURE_CLIENT_* app.
    AZURE_STORAGE_CLIENT_ID: optionalGuid,
    AZURE_STORAGE_CONTAINER: z.preprocess(
      (v) => emptyToUndefined(v) ?? 'csp-onboarding-bot',
      z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'expected a valid blob container name'),
    ),

    // Conversation.
    DRAFT_TTL_HOURS: int(168, 1, 24 * 365),

    // Approval.
    APPROVAL_CHANNEL_ID: optionalString,
    APPROVER_IDS: list(guid, 'Entra object id GUIDs'),
    APPROVER_GROUP_ID: optionalGuid,
    ALLOW_SELF_APPROVAL: bool(false),
    APPROVALS_REQUIRED: int(1, 1, 5),
    APPROVALS_REQUIRED_FOR_BILLING_CHANGES: int(1, 1, 5),
    APPROVAL_REMIND_HOURS: hours(24, 24 * 365),
    APPROVAL_EXPIRE_HOURS: hours(168, 24 * 365),

    // Who may operate (onboard, tenants, re-map, remove, reconcile). Neither set: everyone (the local demo).
    OPERATOR_IDS: list(guid, 'Entra object id GUIDs'),
    OPERATOR_GROUP_ID: optionalGuid,

    // Telemetry (docs/operations.md). Neither set: no telemetry, nothing of OpenTelemetry is loaded.
    APPLICATIONINSIGHTS_CONNECTION_STRING: optionalString,
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: z.preprocess(
      (v) => emptyToUndefined(v) ?? 'http/protobuf',
      z.enum(['http/protobuf', 'http/json'], { errorMap: () => ({ message: 'expected http/protobuf or http/json (grpc is not supported)' }) }),
    ),

    // The durable run.
    POLL_INTERVAL_SECONDS: int(5, 0, 3600),
    POLL_MAX_INTERVAL_SECONDS: int(120, 0, 86400),
    POLL_TIMEOUT_MINUTES: int(60, 1, 10080),
    // 30: a killed instance's runs are taken over within 30 s (docs/operations.md, `LEASE_SECONDS`).
    LEASE_SECONDS: int(30, 1, 3600),
    // Bulk onboarding (docs/bulk.md): how many rows of a list run at a time.
    BULK_CONCURRENCY: int(4, 1, 50),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    // Local mode: one block, so the rule is read in one place.
    if (c.LOCAL_MODE && c.CLOUD !== 'sandbox') {
      issue('LOCAL_MODE', 'LOCAL_MODE=true (no token validation) is allowed only with CLOUD=sandbox, the simulated cloud');
    }
    if (c.LOCAL_MODE && c.MicrosoftAppId) {
      issue('LOCAL_MODE', 'LOCAL_MODE=true checks no tokens: leave MicrosoftAppId empty, or remove LOCAL_MODE to check them');
    }
    if (!c.MicrosoftAppId && !c.LOCAL_MODE) {
      issue('MicrosoftAppId', 'is required (an empty MicrosoftAppId checks no tokens); for a local bot on the simulated cloud set LOCAL_MODE=true and CLOUD=sandbox');
    }
    if (!c.LOCAL_MODE) {
      // A bot that checks tokens serves a real organisation: it must say whose Teams it answers and who runs it.
      if (c.ALLOWED_TENANT_IDS.length === 0) {
        issue('ALLOWED_TENANT_IDS', 'is required outside local mode: the Teams tenant ids the bot answers');
      }
      if (c.APPROVER_IDS.length === 0 && !c.APPROVER_GROUP_ID && c.OPERATOR_IDS.length === 0 && !c.OPERATOR_GROUP_ID) {
        issue('OPERATOR_IDS', 'set OPERATOR_IDS, OPERATOR_GROUP_ID, APPROVER_IDS or APPROVER_GROUP_ID outside local mode: who may operate the bot (approvers are operators too)');
      }
    }
    if (!c.MicrosoftAppId) {
      if (c.MicrosoftAppType !== 'MultiTenant') {
        issue('MicrosoftAppType', `${c.MicrosoftAppType} needs MicrosoftAppId to be set`);
      }
    } else {
      if (!GUID_RE.test(c.MicrosoftAppId)) issue('MicrosoftAppId', 'expected the bot app registration id (a GUID)');
      if (c.MicrosoftAppType === 'SingleTenant' && !c.MicrosoftAppTenantId) {
        issue('MicrosoftAppTenantId', 'is required when MicrosoftAppType=SingleTenant');
      }
      if (c.MicrosoftAppType !== 'UserAssignedMSI' && !c.MicrosoftAppPassword) {
        issue('MicrosoftAppPassword', `is required when MicrosoftAppType=${c.MicrosoftAppType}`);
      }
    }
    if (c.AZURE_CLIENT_SECRET && c.AZURE_CLIENT_CERTIFICATE_PATH) {
      issue('AZURE_CLIENT_CERTIFICATE_PATH', 'set either AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, not both');
    }
    if ((c.AZURE_CLIENT_SECRET || c.AZURE_CLIENT_CERTIFICATE_PATH) && (!c.AZURE_TENANT_ID || !c.AZURE_CLIENT_ID)) {
      issue('AZURE_TENANT_ID', 'AZURE_TENANT_ID and AZURE_CLIENT_ID are required with a client secret or certificate');
    }
    if (c.STORE === 'blob' && !c.AZURE_STORAGE_CONNECTION_STRING && !c.AZURE_STORAGE_ACCOUNT_URL) {
      issue('AZURE_STORAGE_CONNECTION_STRING', 'STORE=blob needs AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL');
    }
    if (c.POLL_MAX_INTERVAL_SECONDS < c.POLL_INTERVAL_SECONDS) {
      issue('POLL_MAX_INTERVAL_SECONDS', 'must be at least POLL_INTERVAL_SECONDS');
    }
    // A malformed pair was reported already (zod passes z.NEVER on in its place).
    const stamps = c.AZURESTACK_STAMPS.filter((s): s is StampSetting => typeof s?.registration === 'string');
    const stampNames = stamps.map((s) => s.registration.toLowerCase());
    const registrationNames = c.REGISTRATIONS.map((id) => id.split('/').pop()!.toLowerCase());
    for (const [i, name] of stampNames.entries()) {
      if (stampNames.indexOf(name) !== i) issue('AZURESTACK_STAMPS', `names the registration ${stamps[i].registration} twice`);
      else if (c.REGISTRATIONS.length > 0 && !registrationNames.includes(name)) {
        issue('AZURESTACK_STAMPS', `names ${stamps[i].registration}, which is not a registration in REGISTRATIONS`);
      }
    }
    if (c.AZURESTACK_STAMPS.length > 0 && !c.CSP_GUEST_ACCOUNT) {
      issue('CSP_GUEST_ACCOUNT', 'is required with AZURESTACK_STAMPS: the CSP’s dedicated account that owns or is invited into the customers’ Azure Stack Hub subscriptions');
    }
    if (c.CLOUD && c.CLOUD !== 'sandbox' && c.REGISTRATIONS.length === 0) {
      issue('REGISTRATIONS', `is required with CLOUD=${c.CLOUD}: list the registrations the bot may change`);
    }
  });

type Raw = z.infer<typeof schema>;

export interface Config extends Omit<Raw, 'CLOUD'> {
  /** The cloud the bot talks to; `sandbox` = the simulated cloud, nothing real is touched. */
  CLOUD: CloudName;
  /**
   * LOCAL_MODE=true (CLOUD=sandbox, empty MicrosoftAppId): no token validation, listens on
   * 127.0.0.1 only, accepts the Emulator's channel too. For the local Teams client and the Emulator.
   */
  localMode: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; throws ConfigError with one line per problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'configuration'}: ${i.message}`);
    throw new ConfigError(problems);
  }
  const raw = parsed.data;
  const hasCredentials = Boolean(raw.AZURE_CLIENT_ID || raw.AZURE_CLIENT_SECRET || raw.AZURE_CLIENT_CERTIFICATE_PATH);
  const cloud: CloudName = raw.CLOUD ?? (hasCredentials ? 'AzureCloud' : 'sandbox');
  return { ...raw, CLOUD: cloud, localMode: raw.LOCAL_MODE };
}
