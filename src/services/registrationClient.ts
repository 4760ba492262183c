// The Registrations port: Azure Stack Hub registrations in global Azure and their customer
// subscriptions (tenant mappings), api-version 2017-06-01 (docs/reference/arm-and-azure-stack.md §AS-0). Only the registrations
// in REGISTRATIONS are touched; anything else is refused before a call is made.
import { z } from 'zod';
import type { Guid, RegistrationRef, TenantMapping } from '../onboarding/model';
import { guidSchema } from '../onboarding/model';
import type { CallOptions, RegistrationInfo, Registrations } from '../onboarding/ports';
import { DomainError } from '../onboarding/errors';
import { ArmCaller, sdkResourceId, type ArmSettings } from './armClient';
import { toDomainError, unexpectedResponse } from './errors';

export const REGISTRATION_API_VERSION = '2017-06-01';
const SERVICE = 'Azure Resource Manager' as const;
/** A bound on nextLink chasing, far above any real registration. */
const MAX_PAGES = 1000;

export interface RegistrationClientOptions extends ArmSettings {
  allowed: readonly RegistrationRef[];
  portalLink: (resourceId: string) => string;
}

const registrationSchema = z.object({
  id: z.string().optional(),
  location: z.string().optional(),
  properties: z
    .object({ billingModel: z.string().optional(), cloudId: z.string().optional() })
    .passthrough()
    .optional(),
});

const customerSubscriptionSchema = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  properties: z.object({ tenantId: guidSchema }).passthrough(),
});
type CustomerSubscriptionBody = z.infer<typeof customerSubscriptionSchema>;

const registrationPageSchema = z.object({ value: z.array(registrationSchema).default([]), nextLink: z.string().nullish() });
const pageSchema = z.object({ value: z.array(customerSubscriptionSchema).default([]), nextLink: z.string().nullish() });

export class RegistrationClient implements Registrations {
  readonly allowed: readonly RegistrationRef[];
  private readonly arm: ArmCaller;

  constructor(private readonly options: RegistrationClientOptions) {
    this.allowed = options.allowed;
    this.arm = new ArmCaller(options);
  }

  portalLink(resourceId: string): string {
    return this.options.portalLink(resourceId);
  }

  async getRegistration(ref: RegistrationRef, options?: CallOptions): Promise<RegistrationInfo> {
    const allowed = this.permitted(ref);
    const resource = await this.arm.sdk('getRegistration', options, { subject: allowed.resourceId, registration: allowed }, (sdkOptions) =>
      this.arm.client.resources.getById(sdkResourceId(allowed.resourceId), REGISTRATION_API_VERSION, sdkOptions),
    );
    const parsed = registrationSchema.safeParse(resource);
    if (!parsed.success) throw unexpectedResponse({ service: SERVICE, operation: 'getRegistration' }, 'not a registration');
    return toRegistrationInfo(allowed, parsed.data, 'getRegistration');
  }

  async listRegistrations(options?: CallOptions): Promise<RegistrationInfo[]> {
    const found: RegistrationInfo[] = [];
    const subscriptions = [...new Set(this.allowed.map((r) => r.subscriptionId))];
    for (const subscriptionId of subscriptions) {
      let url: string | undefined = this.arm.url(`/subscriptions/${subscriptionId}/providers/Microsoft.AzureStack/registrations`, REGISTRATION_API_VERSION);
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const response = await this.arm.raw({ operation: 'listRegistrations', method: 'GET', url, accept: [200], subject: `subscription ${subscriptionId}` }, options);
        const parsed = registrationPageSchema.safeParse(response.body ?? {});
        if (!parsed.success) throw unexpectedResponse({ service: SERVICE, operation: 'listRegistrations' }, parsed.error.issues[0]?.message ?? 'invalid page');
        for (const registration of parsed.data.value) {
          // Only the configured ones: the bot neither shows nor touches the others.
          const ref = this.allowed.find((r) => r.resourceId.toLowerCase() === registration.id?.toLowerCase());
          if (ref) found.push(toRegistrationInfo(ref, registration, 'listRegistrations'));
        }
        url = parsed.data.nextLink ?? undefined;
      }
    }
    return found;
  }

  async listMappings(ref: RegistrationRef, options?: CallOptions): Promise<TenantMapping[]> {
    const allowed = this.permitted(ref);
    const mappings: TenantMapping[] = [];
    let url: string | undefined = this.arm.url(`${allowed.resourceId}/customerSubscriptions`, REGISTRATION_API_VERSION);
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const response = await this.arm.raw(
        { operation: 'listMappings', method: 'GET', url, accept: [200, 204], subject: allowed.resourceId, registration: allowed },
        options,
      );
      // "If no tenants have been registered, you won't receive a response": an empty body is an empty list.
      if (response.body === undefined) break;
      const parsed = pageSchema.safeParse(response.body);
      if (!parsed.success) throw unexpectedResponse({ service: SERVICE, operation: 'listMappings' }, parsed.error.issues[0]?.message ?? 'invalid page');
      for (const item of parsed.data.value) mappings.push(toMapping(allowed, item));
      url = parsed.data.nextLink ?? undefined;
    }
    return mappings;
  }

  async getMapping(ref: RegistrationRef, azureSubscriptionId: Guid, options?: CallOptions): Promise<TenantMapping | undefined> {
    const allowed = this.permitted(ref);
    const resourceId = mappingResourceId(allowed, azureSubscriptionId);
    try {
      const names = { subject: azureSubscriptionId.toLowerCase(), registration: allowed };
      const resource = await this.arm.sdk('getMapping', options, names, (sdkOptions) =>
        this.arm.client.resources.getById(sdkResourceId(resourceId), REGISTRATION_API_VERSION, sdkOptions),
      );
      return toMapping(allowed, parseCustomerSubscription(resource, 'getMapping'), azureSubscriptionId);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** PUT, then confirm: what is already there is the run's business (rules/tenantMapping), not the client's. */
  async putMapping(ref: RegistrationRef, azureSubscriptionId: Guid, customerTenantId: Guid, options?: CallOptions): Promise<TenantMapping> {
    const allowed = this.permitted(ref);
    const subscriptionId = azureSubscriptionId.toLowerCase() as Guid;
    const tenantId = customerTenantId.toLowerCase() as Guid;
    const resourceId = mappingResourceId(allowed, subscriptionId);
    const response = await this.arm.raw(
      {
        operation: 'putMapping',
        method: 'PUT',
        url: this.arm.url(resourceId, REGISTRATION_API_VERSION),
        body: { properties: { tenantId } },
        accept: [200, 201],
        subject: subscriptionId,
        registration: allowed,
      },
      options,
    );
    if (response.body !== undefined) {
      return toMapping(allowed, parseCustomerSubscription(response.body, 'putMapping'), subscriptionId);
    }
    // 200/201 with an empty body (the documented "201 Created, body empty"): read it back.
    const confirmed = await this.getMapping(allowed, subscriptionId, options);
    if (!confirmed) throw toDomainError({ service: SERVICE, operation: 'putMapping', code: 'MappingNotConfirmed', subject: subscriptionId, registration: allowed });
    return confirmed;
  }

  async deleteMapping(ref: RegistrationRef, azureSubscriptionId: Guid, options?: CallOptions): Promise<'deleted' | 'already-gone'> {
    const allowed = this.permitted(ref);
    // DELETE answers 200/204 whether or not the mapping existed: look first to tell the two apart.
    if (!(await this.getMapping(allowed, azureSubscriptionId, options))) return 'already-gone';
    const resourceId = mappingResourceId(allowed, azureSubscriptionId);
    try {
      await this.arm.sdk('deleteMapping', options, { subject: azureSubscriptionId.toLowerCase(), registration: allowed }, (sdkOptions) =>
        this.arm.client.resources.deleteById(sdkResourceId(resourceId), REGISTRATION_API_VERSION, sdkOptions),
      );
    } catch (error) {
      if (isNotFound(error)) return 'already-gone';
      throw error;
    }
    return 'deleted';
  }

  /** The configured registration matching `ref`, or a refusal before any call. */
  private permitted(ref: RegistrationRef): RegistrationRef {
    const wanted = ref.resourceId.toLowerCase();
    const match = this.allowed.find((r) => r.resourceId.toLowerCase() === wanted);
    if (!match) throw toDomainError({ service: SERVICE, operation: 'registration', code: 'RegistrationNotAllowed', subject: ref.resourceId });
    return match;
  }
}

function toRegistrationInfo(ref: RegistrationRef, body: z.infer<typeof registrationSchema>, operation: string): RegistrationInfo {
  const billingModel = body.properties?.billingModel;
  if (!billingModel) throw unexpectedResponse({ service: SERVICE, operation }, 'no billing model');
  return {
    ref,
    billingModel,
    ...(body.properties?.cloudId ? { cloudId: body.properties.cloudId } : {}),
    ...(body.location ? { location: body.location } : {}),
  };
}

function mappingResourceId(ref: RegistrationRef, azureSubscriptionId: string): string {
  // Lower-case: the docs disagree on case sensitivity, and Azure itself returns GUIDs lower-case.
  return `${ref.resourceId}/customerSubscriptions/${azureSubscriptionId.toLowerCase()}`;
}

function parseCustomerSubscription(body: unknown, operation: string): CustomerSubscriptionBody {
  const parsed = customerSubscriptionSchema.safeParse(body);
  if (!parsed.success) throw unexpectedResponse({ service: SERVICE, operation }, parsed.error.issues[0]?.message ?? 'invalid body');
  return parsed.data;
}

function toMapping(ref: RegistrationRef, item: CustomerSubscriptionBody, knownSubscriptionId?: string): TenantMapping {
  // The spec's PUT example has an empty id and name: fall back to the id we asked for.
  const fromId = item.id?.split('/').pop() || item.name?.split('/').pop();
  const id = guidSchema.safeParse(knownSubscriptionId ?? fromId ?? '');
  if (!id.success) throw unexpectedResponse({ service: SERVICE, operation: 'mapping' }, 'no customer subscription id');
  const azureSubscriptionId = id.data;
  return {
    registration: ref,
    azureSubscriptionId,
    customerTenantId: item.properties.tenantId,
    resourceId: mappingResourceId(ref, azureSubscriptionId),
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof DomainError && (error.code === 'CustomerSubscriptionNotFound' || (error.statusCode === 404 && error.code !== 'RegistrationNotFound'));
}
