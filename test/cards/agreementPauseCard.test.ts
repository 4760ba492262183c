// The agreement pause card says what to do, and in the simulated cloud links to the simulated
// Partner Center's page where the agreement is confirmed by hand.
import { agreementPauseCardModel, renderAgreementPauseCard } from '../../src/cards/agreementPauseCard';
import type { OnboardingRequest, RequestId } from '../../src/onboarding/model';
import { REQUESTER, TEAMS_TENANT } from '../support/people';
import { cardSchemaErrors } from '../support/cardSchema';

const TENANT = '4c9e2a51-3f0b-4c6d-8e1f-2a3b4c5d6e7f';
const DETAIL =
  'Waiting for the Microsoft Customer Agreement. The bot has no delegated Partner Center credential to check or confirm it. Confirm the agreement in Partner Center (Customers → Tailspin → Account → Microsoft Customer Agreement) with the customer\'s acceptance (Cora Signer, cora@tailspin.example, on 2026-11-27), then click Continue.';

const paused: OnboardingRequest = {
  id: 'ONB-7F3K2A' as RequestId,
  kind: 'onboard',
  status: 'paused',
  teamsTenantId: TEAMS_TENANT,
  requester: REQUESTER,
  conversationId: 'a:chat',
  registration: { resourceId: '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/hub', subscriptionId: '5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d', resourceGroup: 'azurestack', name: 'hub' } as OnboardingRequest['registration'],
  customer: { kind: 'existing', customerTenantId: TENANT, companyName: 'Tailspin', domain: 'tailspin.onmicrosoft.com' } as OnboardingRequest['customer'],
  subscription: { kind: 'azure-plan' },
  agreement: { acceptedBy: { firstName: 'Cora', lastName: 'Signer', email: 'cora@tailspin.example' }, dateAccepted: '2026-11-27' },
  access: { kind: 'none' },
  steps: [{ name: 'customer-agreement', status: 'waiting', detail: DETAIL }] as OnboardingRequest['steps'],
  results: { customerTenantId: TENANT } as OnboardingRequest['results'],
  createdAt: '2026-11-30T10:00:00.000Z',
  updatedAt: '2026-11-30T10:05:00.000Z',
};
const page = (id: string) => `https://127.0.0.1:9443/partner-center/#/customers/${id}/agreement`;

describe('the agreement pause card', () => {
  it('in the simulated cloud: what to do, and a button to the simulated Partner Center page for this customer', () => {
    const card = renderAgreementPauseCard(agreementPauseCardModel(paused, { simulated: true, showButtons: true, agreementPageLink: page }));
    expect(cardSchemaErrors(card)).toEqual([]);
    const json = JSON.stringify(card);
    expect(json).toContain('Cora Signer');
    expect(json).toContain('then click Continue');
    const actions = (card as unknown as { actions: Array<{ type: string; title: string; url?: string }> }).actions;
    expect(actions.map((a) => a.title)).toEqual(['Open the simulated Partner Center', 'Continue', 'Abandon']);
    expect(actions[0]).toMatchObject({ type: 'Action.OpenUrl', url: page(TENANT) });
  });

  it('in a real cloud: no link to a simulated page', () => {
    const card = renderAgreementPauseCard(agreementPauseCardModel(paused, { simulated: false, showButtons: true, agreementPageLink: () => undefined }));
    expect(JSON.stringify(card)).not.toContain('simulated Partner Center');
    expect((card as unknown as { actions: Array<{ title: string }> }).actions.map((a) => a.title)).toEqual(['Continue', 'Abandon']);
  });
});
