import type { Guid, RegistrationRef, TenantMapping } from '../../../src/onboarding/model';
import { mappingDecision } from '../../../src/onboarding/rules/tenantMapping';

const registration = { name: 'east', resourceId: '/r/east' } as RegistrationRef;
const SUB = '11111111-1111-1111-1111-111111111111' as Guid;
const OTHER_SUB = '22222222-2222-2222-2222-222222222222' as Guid;
const TENANT = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' as Guid;
const OTHER_TENANT = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb' as Guid;
const mapping = (azureSubscriptionId: Guid, customerTenantId: Guid): TenantMapping => ({ registration, azureSubscriptionId, customerTenantId, resourceId: `/r/east/customerSubscriptions/${azureSubscriptionId}` });
const wanted = { azureSubscriptionId: SUB, customerTenantId: TENANT };

describe('mappingDecision (already mapped?)', () => {
  it('an identical mapping is done, whatever the case of its ids', () => {
    const existing = mapping(SUB.toUpperCase() as Guid, TENANT);
    expect(mappingDecision([existing], wanted)).toEqual({ kind: 'mapped', mapping: existing });
  });

  it('nothing in the way: PUT, overwriting nothing', () => {
    expect(mappingDecision([mapping(OTHER_SUB, OTHER_TENANT)], wanted)).toEqual({ kind: 'put', overwrites: {} });
  });

  it('an onboarding overwrites nothing: the subscription billing another tenant, or the tenant another subscription, is a conflict', () => {
    expect(mappingDecision([mapping(SUB, OTHER_TENANT)], wanted)).toEqual({ kind: 'conflict', now: { subscriptionTenant: OTHER_TENANT } });
    expect(mappingDecision([mapping(OTHER_SUB, TENANT)], wanted)).toEqual({ kind: 'conflict', now: { tenantSubscription: OTHER_SUB } });
  });

  it('a re-map overwrites exactly what the approver saw, and nothing else', () => {
    const both = [mapping(SUB, OTHER_TENANT), mapping(OTHER_SUB, TENANT)];
    const approved = { subscriptionTenant: OTHER_TENANT, tenantSubscription: OTHER_SUB };
    expect(mappingDecision(both, wanted, approved)).toEqual({ kind: 'put', overwrites: approved });
    expect(mappingDecision(both, wanted, { subscriptionTenant: OTHER_TENANT })).toMatchObject({ kind: 'conflict' });
    expect(mappingDecision([], wanted, approved)).toMatchObject({ kind: 'conflict', now: {} });
  });
});
