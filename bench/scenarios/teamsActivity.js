// Teams-shaped activities for the turn scenarios: a personal chat in the bench tenant.
const TENANT = '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f';
const USER = { id: '29:bench-user', name: 'Bench User', aadObjectId: 'a1e0c0de-0000-4000-8000-000000000001' };

function base({ id, conversationId, serviceUrl }) {
  return {
    id,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: USER,
    recipient: { id: '28:csp-onboarding-bot', name: 'CSP Onboarding Bot' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
  };
}

/** A typed message. */
const message = (ids, text) => ({ ...base(ids), type: 'message', text });

/** An Action.Execute click on a card button (inputs merged into `data`, as Teams sends them). */
const cardAction = (ids, verb, data) => ({
  ...base(ids),
  type: 'invoke',
  name: 'adaptiveCard/action',
  value: { action: { type: 'Action.Execute', verb, data: { verb, ...data } }, trigger: 'manual' },
});

module.exports = { TENANT, USER, message, cardAction };
