// Offboarding: `offboard <domain or tenant id>` finds every piece the customer has (its mappings on
// the registrations, and on each Azure Stack Hub stamp its directory, its user subscriptions and the
// CSP guest's Owner role) and turns them into the plan of an `offboard` request, approved and run
// like any other. Nothing changes here.
import type { Guid, OffboardStampPieces, PlanOf } from '../model';
import type { CallOptions, Cloud } from '../ports';
import { clip, parseTenantQuery } from './tenantDirectory';
import type { Planned } from './tenantChanges';

export const OFFBOARD_USAGE = 'offboard <domain or tenant id>';

export interface OffboardingDependencies {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter' | 'directory' | 'stamps'>;
}

export async function planOffboarding(deps: OffboardingDependencies, args: string, unregisterDirectory: boolean, options?: CallOptions): Promise<Planned<PlanOf<'offboard'>>> {
  const query = parseTenantQuery(args);
  if (query.kind === 'invalid') return { ok: false, message: `Type it like this: \`${OFFBOARD_USAGE}\` ("${clip(args, 60)}" is neither a domain nor a tenant id). Nothing was changed.` };
  const { cloud } = deps;
  const customer = query.kind === 'domain' ? await cloud.partnerCenter.findCustomerByDomain(query.domain, options) : await cloud.partnerCenter.getCustomer(query.id, options);
  if (!customer && query.kind === 'domain') return { ok: false, message: `Partner Center has no customer with the domain ${query.domain}. Nothing was changed.` };
  const tenantId = (customer?.customerTenantId ?? (query.kind === 'id' ? query.id : undefined)) as Guid;
  const domain = customer?.domain.toLowerCase();

  const mappings: PlanOf<'offboard'>['mappings'] = [];
  for (const registration of cloud.registrations.allowed) {
    for (const m of await cloud.registrations.listMappings(registration, options)) {
      if (m.customerTenantId === tenantId) mappings.push({ registration, azureSubscriptionId: m.azureSubscriptionId });
    }
  }
  const stamps: OffboardStampPieces[] = [];
  const stampClient = cloud.stamps;
  if (stampClient) {
    for (const registration of stampClient.registrations) {
      const directory = domain ? await stampClient.getDirectoryTenant(registration, domain, options) : undefined;
      const subscriptionIds = (await stampClient.listSubscriptions(registration, options))
        .filter((s) => s.tenantId === tenantId && s.state !== 'Deleted' && s.state !== 'Deleting')
        .map((s) => s.subscriptionId);
      let guest: OffboardStampPieces['guest'];
      const user = subscriptionIds.length ? await cloud.directory.findUserByMail(tenantId, stampClient.cspAccount, options).catch(() => undefined) : undefined;
      if (user) {
        const ownerOf: Guid[] = [];
        for (const id of subscriptionIds) {
          // Readable only with a token of the customer's directory (after its consent): unknown counts as not Owner.
          if (await stampClient.hasOwner(registration, tenantId, id, user.objectId, options).catch(() => false)) ownerOf.push(id);
        }
        guest = { objectId: user.objectId, account: stampClient.cspAccount, ownerOf };
      }
      if (directory?.tenantId === tenantId || subscriptionIds.length > 0) {
        stamps.push({ registration, directory: directory?.tenantId === tenantId ? directory.domain : undefined, subscriptionIds, guest });
      }
    }
  }
  if (mappings.length === 0 && stamps.length === 0) {
    return { ok: false, message: `${customer ? customer.companyName : `Tenant ${tenantId}`} has no mapping on the registrations and nothing on the Azure Stack Hub stamps: there is nothing to offboard. Nothing was changed.` };
  }
  return {
    ok: true,
    plan: {
      kind: 'offboard',
      customer: { customerTenantId: tenantId, companyName: customer?.companyName, domain },
      mappings,
      stamps,
      unregisterDirectory,
    },
  };
}
