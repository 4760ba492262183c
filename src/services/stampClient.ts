// The AzureStackStamps port: each configured Azure Stack Hub stamp's admin ARM (directory tenants,
// identity health, offers, user subscriptions, provider usage) and tenant ARM (Owner role
// assignments, 2015-07-01), through the Azure SDK's ARM pipeline like the other ARM clients
// (docs/reference/azure-stack-hub-operator.md AZ-0…AZ-8). Where a stamp lives, its authority and
// token audience come from its /metadata/endpoints, read without a token, once per stamp.
import type { TokenCredential } from '@azure/core-auth';
import { createDefaultHttpClient, createPipelineFromOptions } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { StampSetting } from '../config';
import { DomainError } from '../onboarding/errors';
import type { Guid } from '../onboarding/model';
import type {
  AzureStackStamps,
  CallOptions,
  CallRecord,
  NewStampSubscription,
  StampDirectoryTenant,
  StampInfo,
  StampOffer,
  StampSubscription,
  StampUsageRecord,
} from '../onboarding/ports';
import { ArmCaller } from './armClient';
import { forTenant } from './credentials';
import { unexpectedResponse } from './errors';
import { USER_AGENT_PREFIX, type RetrySettings } from './pipelines';
import { OWNER_ROLE_DEFINITION_GUID, roleAssignmentName } from './roleAssignmentClient';
import { callService, type ServiceEndpoint } from './serviceCall';

export const SUBSCRIPTIONS_ADMIN_API_VERSION = '2015-11-01';
export const COMMERCE_ADMIN_API_VERSION = '2015-06-01-preview';
export const METADATA_API_VERSION = '2015-01-01';
/** Microsoft.Resources subscriptions/locations in the 2019-03-01-hybrid profile. */
export const STAMP_RESOURCES_API_VERSION = '2016-06-01';
/** Role assignments on a stamp (profile 2019-03-01-hybrid). */
export const STAMP_ROLE_ASSIGNMENT_API_VERSION = '2015-07-01';
/** Microsoft.Resources resources list in the 2019-03-01-hybrid profile. */
export const STAMP_RESOURCES_LIST_API_VERSION = '2018-05-01';
export const DEFAULT_PROVIDER_SUBSCRIPTION = 'Default Provider Subscription';
const SERVICE = 'Azure Resource Manager' as const;
const MAX_PAGES = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface StampClientOptions {
  stamps: readonly StampSetting[];
  /** CSP_GUEST_ACCOUNT. */
  cspAccount: string;
  /** The app's credential at an authority host (the stamp's loginEndpoint). */
  credentialFor(authorityHost: string): TokenCredential;
  /** True in the simulated cloud: a consent page exists there. */
  simulated: boolean;
  retry?: RetrySettings;
  timeoutInMs?: number;
  report?: (call: CallRecord) => void;
  logger?: Logger;
}

const metadataSchema = z
  .object({
    portalEndpoint: z.string().optional(),
    authentication: z.object({ loginEndpoint: z.string().min(1), audiences: z.array(z.string().min(1)).min(1) }).passthrough(),
  })
  .passthrough();
const operatorSubscriptionsSchema = z.object({
  value: z.array(z.object({ subscriptionId: z.string(), displayName: z.string().optional() }).passthrough()).default([]),
});
const locationsSchema = z.object({ value: z.array(z.object({ name: z.string() }).passthrough()).min(1) });
const directoryTenantSchema = z.object({ name: z.string(), properties: z.object({ tenantId: z.string() }).passthrough() }).passthrough();
const offerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    properties: z.object({ displayName: z.string().optional(), description: z.string().optional(), state: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();
const offerPageSchema = z.object({ value: z.array(offerSchema).default([]), nextLink: z.string().nullish() });
const subscriptionSchema = z
  .object({
    subscriptionId: z.string(),
    displayName: z.string().optional(),
    owner: z.string().optional(),
    offerId: z.string().optional(),
    tenantId: z.string().optional(),
    state: z.string().optional(),
  })
  .passthrough();
const subscriptionListSchema = z.object({ value: z.array(subscriptionSchema).default([]) });
/** The spec wraps lists as {value, nextLink}; the example and the tools use plain arrays: accept both. */
const listOf = <T extends z.ZodTypeAny>(item: T) => z.union([z.array(item), z.object({ value: z.array(item) }).transform((v) => v.value)]);
const healthSchema = z
  .object({ directoryTenants: listOf(z.object({ tenantId: z.string(), status: z.string().optional() }).passthrough()).default([]) })
  .passthrough();
const usagePageSchema = z.object({
  value: z
    .array(
      z.object({
        properties: z
          .object({ subscriptionId: z.string(), usageStartTime: z.string(), meterId: z.string(), quantity: z.union([z.number(), z.string()]) })
          .passthrough(),
      }),
    )
    .default([]),
  nextLink: z.string().nullish(),
});
const assignmentListSchema = z.object({
  value: z.array(z.object({ id: z.string(), name: z.string().optional(), properties: z.object({ roleDefinitionId: z.string(), principalId: z.string() }).passthrough() })).default([]),
});

interface Discovered {
  info: StampInfo;
  admin: ArmCaller;
  credential: TokenCredential;
}

/** Replaces the first `adminmanagement` (host name or, in the simulated cloud, path) with `management`. */
export function tenantArmOf(adminArm: string): string {
  return adminArm.replace(/adminmanagement/i, 'management');
}

export class StampClient implements AzureStackStamps {
  readonly registrations: readonly string[];
  readonly cspAccount: string;
  private readonly discovered = new Map<string, Promise<Discovered>>();
  private readonly tenantCallers = new Map<string, ArmCaller>();
  private readonly anonymous: ServiceEndpoint;

  constructor(private readonly options: StampClientOptions) {
    this.registrations = options.stamps.map((s) => s.registration);
    this.cspAccount = options.cspAccount;
    this.anonymous = {
      service: SERVICE,
      pipeline: createPipelineFromOptions({ retryOptions: options.retry, userAgentOptions: { userAgentPrefix: USER_AGENT_PREFIX } }),
      httpClient: createDefaultHttpClient(),
      timeoutInMs: options.timeoutInMs,
      report: options.report,
      logger: options.logger,
      errorCode: () => undefined,
    };
  }

  has(registrationName: string): boolean {
    return this.setting(registrationName) !== undefined;
  }

  async describe(registrationName: string, options?: CallOptions): Promise<StampInfo> {
    return (await this.stamp(registrationName, options)).info;
  }

  async listOffers(registrationName: string, options?: CallOptions): Promise<StampOffer[]> {
    const { info, admin } = await this.stamp(registrationName, options);
    const offers: StampOffer[] = [];
    let url: string | undefined = admin.url(`/subscriptions/${info.providerSubscriptionId}/providers/Microsoft.Subscriptions.Admin/offers`, SUBSCRIPTIONS_ADMIN_API_VERSION);
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const response = await admin.raw({ operation: 'listStampOffers', method: 'GET', url, accept: [200], subject: registrationName }, options);
      const parsed = offerPageSchema.safeParse(response.body);
      if (!parsed.success) throw this.unexpected('listStampOffers', parsed.error);
      for (const o of parsed.data.value) {
        offers.push({ id: o.id, name: o.name, displayName: o.properties?.displayName || o.name, description: o.properties?.description || undefined, state: o.properties?.state ?? 'Private' });
      }
      url = parsed.data.nextLink ?? undefined;
    }
    return offers;
  }

  async getDirectoryTenant(registrationName: string, domain: string, options?: CallOptions): Promise<StampDirectoryTenant | undefined> {
    const { admin, info } = await this.stamp(registrationName, options);
    const response = await admin.raw({ operation: 'getDirectoryTenant', method: 'GET', url: this.directoryUrl(admin, info, domain), accept: [200, 404], subject: domain }, options);
    if (response.status === 404) return undefined;
    return this.toDirectory('getDirectoryTenant', response.body);
  }

  async putDirectoryTenant(registrationName: string, domain: string, tenantId: Guid, options?: CallOptions): Promise<StampDirectoryTenant> {
    const { admin, info } = await this.stamp(registrationName, options);
    const response = await admin.raw(
      {
        operation: 'putDirectoryTenant',
        method: 'PUT',
        url: this.directoryUrl(admin, info, domain),
        body: { location: info.region, properties: { tenantId: tenantId.toLowerCase() } },
        accept: [200, 201],
        subject: domain,
      },
      options,
    );
    return this.toDirectory('putDirectoryTenant', response.body);
  }

  async deleteDirectoryTenant(registrationName: string, domain: string, options?: CallOptions): Promise<'deleted' | 'already-gone'> {
    const { admin, info } = await this.stamp(registrationName, options);
    const response = await admin.raw({ operation: 'deleteDirectoryTenant', method: 'DELETE', url: this.directoryUrl(admin, info, domain), accept: [200, 204, 404], subject: domain }, options);
    return response.status === 200 ? 'deleted' : 'already-gone';
  }

  async directoryHealth(registrationName: string, tenantId: Guid, options?: CallOptions): Promise<'Healthy' | 'Unhealthy' | 'Unknown' | 'NotRegistered'> {
    const { admin, info } = await this.stamp(registrationName, options);
    const url = admin.url(`/subscriptions/${info.providerSubscriptionId}/providers/Microsoft.Subscriptions.Admin/checkIdentityHealth`, SUBSCRIPTIONS_ADMIN_API_VERSION);
    const response = await admin.raw({ operation: 'checkIdentityHealth', method: 'POST', url, accept: [200], subject: tenantId }, options);
    const parsed = healthSchema.safeParse(response.body);
    if (!parsed.success) throw this.unexpected('checkIdentityHealth', parsed.error);
    const entry = parsed.data.directoryTenants.find((d) => d.tenantId.toLowerCase() === tenantId.toLowerCase());
    if (!entry) return 'NotRegistered';
    return entry.status === 'Healthy' || entry.status === 'Unhealthy' ? entry.status : 'Unknown';
  }

  async getSubscription(registrationName: string, subscriptionId: Guid, options?: CallOptions): Promise<StampSubscription | undefined> {
    const { admin, info } = await this.stamp(registrationName, options);
    const response = await admin.raw({ operation: 'getStampSubscription', method: 'GET', url: this.subscriptionUrl(admin, info, subscriptionId), accept: [200, 404], subject: subscriptionId }, options);
    if (response.status === 404) return undefined;
    return this.toSubscription('getStampSubscription', response.body);
  }

  async listSubscriptions(registrationName: string, options?: CallOptions): Promise<StampSubscription[]> {
    const { admin, info } = await this.stamp(registrationName, options);
    const url = admin.url(`/subscriptions/${info.providerSubscriptionId}/providers/Microsoft.Subscriptions.Admin/subscriptions`, SUBSCRIPTIONS_ADMIN_API_VERSION);
    const response = await admin.raw({ operation: 'listStampSubscriptions', method: 'GET', url, accept: [200], subject: registrationName }, options);
    const parsed = subscriptionListSchema.safeParse(response.body);
    if (!parsed.success) throw this.unexpected('listStampSubscriptions', parsed.error);
    return parsed.data.value.map((s) => this.toSubscription('listStampSubscriptions', s));
  }

  async createSubscription(registrationName: string, subscription: NewStampSubscription, options?: CallOptions): Promise<{ subscription: StampSubscription; created: boolean }> {
    // The service overwrites an existing id without complaint (AZ-6): look before writing.
    const existing = await this.getSubscription(registrationName, subscription.subscriptionId, options);
    if (existing) return { subscription: existing, created: false };
    const { admin, info } = await this.stamp(registrationName, options);
    const id = subscription.subscriptionId.toLowerCase();
    const response = await admin.raw(
      {
        operation: 'createStampSubscription',
        method: 'PUT',
        url: this.subscriptionUrl(admin, info, id),
        // Flat, as the service and the recorded traffic take it (the spec example's `properties` wrapper is wrong).
        body: {
          subscriptionId: id,
          displayName: subscription.displayName,
          owner: subscription.owner,
          offerId: subscription.offerId,
          tenantId: subscription.tenantId.toLowerCase(),
          state: 'Enabled',
          delegatedProviderSubscriptionId: info.providerSubscriptionId,
          routingResourceManagerType: 'Default',
        },
        accept: [200, 201],
        subject: id,
      },
      options,
    );
    return { subscription: this.toSubscription('createStampSubscription', response.body), created: response.status === 201 };
  }

  async setSubscriptionState(registrationName: string, subscriptionId: Guid, state: 'Enabled' | 'Disabled', options?: CallOptions): Promise<StampSubscription | undefined> {
    const { admin, info } = await this.stamp(registrationName, options);
    const url = this.subscriptionUrl(admin, info, subscriptionId);
    const current = await admin.raw({ operation: 'getStampSubscription', method: 'GET', url, accept: [200, 404], subject: subscriptionId }, options);
    if (current.status === 404) return undefined;
    const body = current.body as Record<string, unknown>;
    if (body.state === state) return this.toSubscription('getStampSubscription', body);
    const response = await admin.raw({ operation: 'setStampSubscriptionState', method: 'PUT', url, body: { ...body, state }, accept: [200, 201], subject: subscriptionId }, options);
    return this.toSubscription('setStampSubscriptionState', response.body);
  }

  async ensureOwner(
    registrationName: string,
    customerTenantId: Guid,
    subscriptionId: Guid,
    principalObjectId: Guid,
    options?: CallOptions,
  ): Promise<{ roleAssignmentId: string; created: boolean }> {
    const { tenant, scope, resourceId } = await this.ownerTarget(registrationName, customerTenantId, subscriptionId, principalObjectId, options);
    // Look before writing: a PUT of an existing assignment answers 201 too, so only a read tells "made now" from "already there".
    const existing = await this.findOwner(tenant, scope, principalObjectId, options);
    if (existing) return { roleAssignmentId: existing, created: false };
    const properties = {
      roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_GUID}`,
      principalId: principalObjectId.toLowerCase(),
    };
    const response = await tenant.raw(
      { operation: 'ensureStampOwner', method: 'PUT', url: tenant.url(resourceId, STAMP_ROLE_ASSIGNMENT_API_VERSION), body: { properties }, accept: [200, 201, 409], subject: scope },
      options,
    );
    if (response.status === 409) {
      const code = (response.body as { error?: { code?: string } } | undefined)?.error?.code;
      if (code !== 'RoleAssignmentExists') {
        throw new DomainError({
          message: `The Azure Stack Hub refused the Owner role assignment on ${scope} (${code ?? 'conflict'}).`,
          nextStep: code === 'ReadOnlyDisabledSubscription' ? 'The subscription is disabled: an operator re-enables it first.' : 'Check the subscription on the stamp, then try again.',
          code: code ?? 'Conflict',
          statusCode: 409,
          transient: false,
        });
      }
      const found = await this.findOwner(tenant, scope, principalObjectId, options);
      return { roleAssignmentId: found ?? resourceId, created: false };
    }
    return { roleAssignmentId: (response.body as { id?: string } | undefined)?.id ?? resourceId, created: response.status === 201 };
  }

  async hasOwner(registrationName: string, customerTenantId: Guid, subscriptionId: Guid, principalObjectId: Guid, options?: CallOptions): Promise<boolean> {
    const { tenant, scope } = await this.ownerTarget(registrationName, customerTenantId, subscriptionId, principalObjectId, options);
    return (await this.findOwner(tenant, scope, principalObjectId, options)) !== undefined;
  }

  async removeOwner(registrationName: string, customerTenantId: Guid, subscriptionId: Guid, principalObjectId: Guid, options?: CallOptions): Promise<'deleted' | 'already-gone'> {
    const { tenant, scope } = await this.ownerTarget(registrationName, customerTenantId, subscriptionId, principalObjectId, options);
    const found = await this.findOwner(tenant, scope, principalObjectId, options);
    if (!found) return 'already-gone';
    const response = await tenant.raw(
      { operation: 'removeStampOwner', method: 'DELETE', url: tenant.url(found, STAMP_ROLE_ASSIGNMENT_API_VERSION), accept: [200, 204, 404], subject: scope },
      options,
    );
    return response.status === 200 ? 'deleted' : 'already-gone';
  }

  async resourceCount(registrationName: string, customerTenantId: Guid, subscriptionId: Guid, options?: CallOptions): Promise<number | undefined> {
    const { tenant, scope } = await this.ownerTarget(registrationName, customerTenantId, subscriptionId, subscriptionId, options);
    let count = 0;
    let url: string | undefined = tenant.url(`${scope}/resources`, STAMP_RESOURCES_LIST_API_VERSION);
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const response = await tenant.raw({ operation: 'listStampResources', method: 'GET', url, accept: [200], subject: scope }, options);
      const parsed = z.object({ value: z.array(z.unknown()).default([]), nextLink: z.string().nullish() }).safeParse(response.body);
      if (!parsed.success) return undefined;
      count += parsed.data.value.length;
      url = parsed.data.nextLink ?? undefined;
    }
    return count;
  }

  async usage(registrationName: string, query: { days: number; subscriberId?: Guid }, options?: CallOptions): Promise<StampUsageRecord[]> {
    const { admin, info } = await this.stamp(registrationName, options);
    // Complete UTC days only: the current day "can't be" the reported end (AZ-8).
    const end = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const start = end - query.days * DAY_MS;
    const first = new URL(admin.url(`/subscriptions/${info.providerSubscriptionId}/providers/Microsoft.Commerce.Admin/subscriberUsageAggregates`, COMMERCE_ADMIN_API_VERSION));
    first.searchParams.set('reportedStartTime', new Date(start).toISOString());
    first.searchParams.set('reportedEndTime', new Date(end).toISOString());
    first.searchParams.set('aggregationGranularity', 'Daily');
    if (query.subscriberId) first.searchParams.set('subscriberId', query.subscriberId.toLowerCase());
    const records: StampUsageRecord[] = [];
    let url: string | undefined = first.toString();
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const response = await admin.raw({ operation: 'stampUsage', method: 'GET', url, accept: [200], subject: registrationName }, options);
      const parsed = usagePageSchema.safeParse(response.body);
      if (!parsed.success) throw this.unexpected('stampUsage', parsed.error);
      for (const r of parsed.data.value) {
        const startTime = Date.parse(r.properties.usageStartTime);
        const quantity = Number(r.properties.quantity);
        if (Number.isNaN(startTime) || !Number.isFinite(quantity)) continue;
        records.push({
          subscriptionId: r.properties.subscriptionId.toLowerCase() as Guid,
          day: new Date(startTime).toISOString().slice(0, 10),
          meterId: r.properties.meterId,
          quantity,
        });
      }
      url = parsed.data.nextLink ?? undefined;
    }
    return records;
  }

  userPortalLink(info: StampInfo, directoryDomain: string, subscriptionId: Guid): string {
    // Guests must open the portal with the directory in the path, or they land in their own (AZ-1).
    const base = info.userPortal.replace(/\/+$/, '');
    const domain = encodeURIComponent(directoryDomain);
    return `${base}/${domain}#@${domain}/resource/subscriptions/${subscriptionId.toLowerCase()}/overview`;
  }

  consentPageLink(info: StampInfo, directoryDomain: string): string | undefined {
    if (!this.options.simulated) return undefined;
    return `${info.adminArm.replace(/\/adminmanagement\/?$/, '')}/consent?directory=${encodeURIComponent(directoryDomain)}`;
  }

  // ---- internals ----

  private setting(registrationName: string): StampSetting | undefined {
    return this.options.stamps.find((s) => s.registration.toLowerCase() === registrationName.toLowerCase());
  }

  private stamp(registrationName: string, options?: CallOptions): Promise<Discovered> {
    const setting = this.setting(registrationName);
    if (!setting) {
      return Promise.reject(
        new DomainError({
          message: `The registration ${registrationName} has no Azure Stack Hub stamp configured.`,
          nextStep: 'Add it to AZURESTACK_STAMPS as <registration name>=<stamp admin ARM endpoint>.',
          code: 'StampNotConfigured',
          transient: false,
        }),
      );
    }
    const key = setting.registration.toLowerCase();
    let found = this.discovered.get(key);
    if (!found) {
      found = this.discover(setting, options);
      this.discovered.set(key, found);
      // A failed discovery is tried again next time.
      found.catch(() => this.discovered.delete(key));
    }
    return found;
  }

  private async discover(setting: StampSetting, options?: CallOptions): Promise<Discovered> {
    const adminMeta = await this.metadata(setting.endpoint, setting.registration, options);
    const loginEndpoint = adminMeta.authentication.loginEndpoint;
    if (/\/adfs\/?$/i.test(loginEndpoint)) {
      throw new DomainError({
        message: `The Azure Stack Hub of ${setting.registration} signs in with AD FS (${loginEndpoint}): only Entra ID stamps can take customer directories.`,
        nextStep: 'Remove it from AZURESTACK_STAMPS; an AD FS stamp has no multi-tenancy.',
        code: 'StampUsesAdfs',
        transient: false,
      });
    }
    const audience = adminMeta.authentication.audiences[0];
    const credential = this.options.credentialFor(loginEndpoint.replace(/\/+$/, ''));
    const admin = this.caller(setting.endpoint, audience, credential);
    const subs = await admin.raw(
      { operation: 'listOperatorSubscriptions', method: 'GET', url: admin.url('/subscriptions', STAMP_RESOURCES_API_VERSION), accept: [200], subject: setting.registration },
      options,
    );
    const parsedSubs = operatorSubscriptionsSchema.safeParse(subs.body);
    if (!parsedSubs.success) throw this.unexpected('listOperatorSubscriptions', parsedSubs.error);
    const provider = parsedSubs.data.value.find((s) => s.displayName?.toLowerCase() === DEFAULT_PROVIDER_SUBSCRIPTION.toLowerCase());
    if (!provider) {
      throw new DomainError({
        message: `The bot's identity sees no "${DEFAULT_PROVIDER_SUBSCRIPTION}" on the Azure Stack Hub of ${setting.registration}.`,
        nextStep: 'Give the bot’s app Owner (or Contributor) on the stamp’s Default Provider Subscription, then try again.',
        code: 'DefaultProviderSubscriptionNotFound',
        transient: false,
      });
    }
    const locations = await admin.raw(
      {
        operation: 'listStampLocations',
        method: 'GET',
        url: admin.url(`/subscriptions/${provider.subscriptionId}/locations`, STAMP_RESOURCES_API_VERSION),
        accept: [200],
        subject: setting.registration,
      },
      options,
    );
    const parsedLocations = locationsSchema.safeParse(locations.body);
    if (!parsedLocations.success) throw this.unexpected('listStampLocations', parsedLocations.error);
    const tenantArm = tenantArmOf(setting.endpoint);
    const tenantMeta = await this.metadata(tenantArm, setting.registration, options);
    // The user portal: the tenant ARM's portalEndpoint, unless it names the admin portal (a doc conflict, AZ-1).
    const portal = tenantMeta.portalEndpoint ?? tenantArm.replace(/management/i, 'portal');
    const userPortal = portal.replace(/adminportal/i, 'portal');
    return {
      info: {
        registration: setting.registration,
        adminArm: setting.endpoint,
        tenantArm,
        userPortal,
        audience,
        loginEndpoint,
        providerSubscriptionId: provider.subscriptionId.toLowerCase() as Guid,
        region: parsedLocations.data.value[0].name,
      },
      admin,
      credential,
    };
  }

  private async metadata(arm: string, registration: string, options?: CallOptions): Promise<z.infer<typeof metadataSchema>> {
    const url = new URL(`${arm.replace(/\/+$/, '')}/metadata/endpoints`);
    url.searchParams.set('api-version', METADATA_API_VERSION);
    const response = await callService(this.anonymous, { operation: 'stampMetadata', method: 'GET', url: url.toString(), accept: [200], subject: registration }, options);
    const parsed = metadataSchema.safeParse(response.body);
    if (!parsed.success) throw this.unexpected('stampMetadata', parsed.error);
    return parsed.data;
  }

  private caller(endpoint: string, audience: string, credential: TokenCredential): ArmCaller {
    return new ArmCaller({
      endpoint,
      scope: `${audience.replace(/\/+$/, '')}/.default`,
      credential,
      retry: this.options.retry,
      timeoutInMs: this.options.timeoutInMs,
      report: this.options.report,
      logger: this.options.logger,
    });
  }

  /** The tenant ARM with tokens of the customer's directory (one caller per stamp and directory). */
  private async ownerTarget(registrationName: string, customerTenantId: Guid, subscriptionId: Guid, principalObjectId: Guid, options?: CallOptions) {
    const { info, credential } = await this.stamp(registrationName, options);
    const key = `${info.registration.toLowerCase()}|${customerTenantId.toLowerCase()}`;
    let tenant = this.tenantCallers.get(key);
    if (!tenant) {
      tenant = this.caller(info.tenantArm, info.audience, forTenant(credential, customerTenantId.toLowerCase()));
      this.tenantCallers.set(key, tenant);
    }
    const scope = `/subscriptions/${subscriptionId.toLowerCase()}`;
    // The same grant always gets the same name, so a retry after a crash PUTs the same resource.
    const name = roleAssignmentName(scope, principalObjectId, OWNER_ROLE_DEFINITION_GUID);
    return { tenant, scope, resourceId: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}` };
  }

  private async findOwner(tenant: ArmCaller, scope: string, principalObjectId: Guid, options?: CallOptions): Promise<string | undefined> {
    const url = new URL(tenant.url(`${scope}/providers/Microsoft.Authorization/roleAssignments`, STAMP_ROLE_ASSIGNMENT_API_VERSION));
    url.searchParams.set('$filter', `principalId eq '${principalObjectId.toLowerCase()}'`);
    const response = await tenant.raw({ operation: 'findStampOwner', method: 'GET', url: url.toString(), accept: [200], subject: scope }, options);
    const parsed = assignmentListSchema.safeParse(response.body);
    if (!parsed.success) throw this.unexpected('findStampOwner', parsed.error);
    return parsed.data.value.find(
      (a) => a.properties.principalId.toLowerCase() === principalObjectId.toLowerCase() && a.properties.roleDefinitionId.toLowerCase().endsWith(OWNER_ROLE_DEFINITION_GUID),
    )?.id;
  }

  private directoryUrl(admin: ArmCaller, info: StampInfo, domain: string): string {
    return admin.url(
      `/subscriptions/${info.providerSubscriptionId}/resourcegroups/system.${info.region}/providers/Microsoft.Subscriptions.Admin/directoryTenants/${encodeURIComponent(domain.toLowerCase())}`,
      SUBSCRIPTIONS_ADMIN_API_VERSION,
    );
  }

  private subscriptionUrl(admin: ArmCaller, info: StampInfo, subscriptionId: string): string {
    return admin.url(`/subscriptions/${info.providerSubscriptionId}/providers/Microsoft.Subscriptions.Admin/subscriptions/${subscriptionId.toLowerCase()}`, SUBSCRIPTIONS_ADMIN_API_VERSION);
  }

  private toDirectory(operation: string, body: unknown): StampDirectoryTenant {
    const parsed = directoryTenantSchema.safeParse(body);
    if (!parsed.success) throw this.unexpected(operation, parsed.error);
    return { domain: parsed.data.name, tenantId: parsed.data.properties.tenantId.toLowerCase() as Guid };
  }

  private toSubscription(operation: string, body: unknown): StampSubscription {
    const parsed = subscriptionSchema.safeParse(body);
    if (!parsed.success) throw this.unexpected(operation, parsed.error);
    const s = parsed.data;
    return {
      subscriptionId: s.subscriptionId.toLowerCase() as Guid,
      displayName: s.displayName ?? s.subscriptionId,
      owner: s.owner ?? '',
      offerId: s.offerId ?? '',
      tenantId: s.tenantId ? (s.tenantId.toLowerCase() as Guid) : undefined,
      state: s.state ?? 'NotDefined',
    };
  }

  private unexpected(operation: string, error: z.ZodError): DomainError {
    return unexpectedResponse({ service: SERVICE, operation }, error.issues[0]?.message ?? 'invalid body');
  }
}
