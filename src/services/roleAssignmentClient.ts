// The RoleAssignments port: Owner for the customer's guest at the subscription scope, made in the
// customer's tenant (docs/reference/arm-and-azure-stack.md §R-1). The assignment name is derived from scope + principal + role,
// so a retry after a crash PUTs the same resource instead of a second one.
import type { TokenCredential } from '@azure/core-auth';
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import { DomainError } from '../onboarding/errors';
import type { Guid } from '../onboarding/model';
import type { CallOptions, RoleAssignments } from '../onboarding/ports';
import { ArmCaller, sdkResourceId, type ArmSettings } from './armClient';
import { forTenant } from './credentials';

/** Built-in Owner, the same GUID in every cloud. */
export const OWNER_ROLE_DEFINITION_GUID = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
/** Our UUID v5 namespace for role assignment names (a fixed random GUID; never change it). */
const ROLE_ASSIGNMENT_NAMESPACE = 'b6f3c0a2-5d4e-4f7a-9c1b-2e8d7a6f5c3e';

export type RoleAssignmentApiVersion = '2015-07-01' | '2022-04-01';

export interface RoleAssignmentClientOptions extends Omit<ArmSettings, 'credential'> {
  credential: TokenCredential;
  /** 2022-04-01 on Azure; 2015-07-01 on an Azure Stack Hub stamp (its profiles map roleAssignments there). */
  apiVersion: RoleAssignmentApiVersion;
}

const assignmentSchema = z.object({
  id: z.string().min(1),
  properties: z.object({ roleDefinitionId: z.string(), principalId: z.string() }).passthrough(),
});
const assignmentListSchema = z.object({ value: z.array(assignmentSchema).default([]) });

/** UUID v5 of scope + principal + role: the same grant always gets the same name. */
export function roleAssignmentName(scope: string, principalObjectId: string, roleDefinitionGuid: string): string {
  return uuidv5(`${scope.toLowerCase()}|${principalObjectId.toLowerCase()}|${roleDefinitionGuid.toLowerCase()}`, ROLE_ASSIGNMENT_NAMESPACE);
}

export class RoleAssignmentClient implements RoleAssignments {
  private readonly callers = new Map<string, ArmCaller>();

  constructor(private readonly options: RoleAssignmentClientOptions) {}

  async ensureOwner(
    customerTenantId: Guid,
    azureSubscriptionId: Guid,
    principalObjectId: Guid,
    options?: CallOptions,
  ): Promise<{ roleAssignmentId: string; created: boolean }> {
    const arm = this.callerFor(customerTenantId);
    const scope = `/subscriptions/${azureSubscriptionId.toLowerCase()}`;
    const name = roleAssignmentName(scope, principalObjectId, OWNER_ROLE_DEFINITION_GUID);
    const resourceId = `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    const properties = {
      roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_GUID}`,
      principalId: principalObjectId.toLowerCase(),
      // principalType (2018-09-01-preview and later) spares a just-invited guest the replication-delay PrincipalNotFound.
      ...(this.options.apiVersion === '2015-07-01' ? {} : { principalType: 'User' }),
    };
    let status: number | undefined;
    try {
      const assignment = await arm.sdk('ensureOwner', options, scope, async (sdkOptions) => {
        const result = await arm.client.resources.createOrUpdateById(sdkResourceId(resourceId), this.options.apiVersion, { properties }, {
          ...sdkOptions,
          onResponse: (response) => {
            status = response.status;
            sdkOptions.onResponse(response);
          },
        });
        return result;
      });
      return { roleAssignmentId: assignment.id ?? resourceId, created: status === 201 };
    } catch (error) {
      // The same grant under another name (made by hand, or by the customer): done.
      if (error instanceof DomainError && error.code === 'RoleAssignmentExists') {
        const existing = await this.findOwner(arm, scope, principalObjectId, options);
        return { roleAssignmentId: existing ?? resourceId, created: false };
      }
      throw error;
    }
  }

  private async findOwner(arm: ArmCaller, scope: string, principalObjectId: string, options?: CallOptions): Promise<string | undefined> {
    const url = new URL(arm.url(`${scope}/providers/Microsoft.Authorization/roleAssignments`, this.options.apiVersion));
    url.searchParams.set('$filter', `principalId eq '${principalObjectId.toLowerCase()}'`);
    const response = await arm.raw({ operation: 'findOwnerAssignment', method: 'GET', url: url.toString(), accept: [200], subject: scope }, options);
    const parsed = assignmentListSchema.safeParse(response.body);
    if (!parsed.success) return undefined;
    // The role definition may come back in the tenant-level /providers/… form: compare the trailing GUID.
    const owner = parsed.data.value.find(
      (a) =>
        a.properties.principalId.toLowerCase() === principalObjectId.toLowerCase() &&
        a.properties.roleDefinitionId.toLowerCase().endsWith(OWNER_ROLE_DEFINITION_GUID),
    );
    return owner?.id;
  }

  /**
   * One ARM client per customer tenant: its tokens are that tenant's, and so are its throttle gates.
   * ARM's buckets are per subscription and principal (ARM-0): a 429 in one customer's subscription
   * says nothing about another's, or about the registrations' subscription.
   */
  private callerFor(customerTenantId: string): ArmCaller {
    let caller = this.callers.get(customerTenantId);
    if (!caller) {
      caller = new ArmCaller({ ...this.options, credential: forTenant(this.options.credential, customerTenantId) });
      this.callers.set(customerTenantId, caller);
    }
    return caller;
  }
}
