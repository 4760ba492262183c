// A user types "help" in Teams; the bot answers with one message. Our bot answers with the help
// card (routing, tenant check, conversation reference, card rendering, state save); the bare bot
// echoes the text (the floor).
const TENANT = '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f';

module.exports = {
  name: 'help-turn',
  description: '"help" message → one reply received by the loopback connector',
  bots: ['bare', 'csp'],
  concurrency: [1, 16, 128],
  botEnv: { ALLOWED_TENANT_IDS: TENANT },
  activity: ({ id, conversationId, serviceUrl }) => ({
    type: 'message',
    id,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: '29:bench-user', name: 'Bench User', aadObjectId: 'a1e0c0de-0000-4000-8000-000000000001' },
    recipient: { id: '28:csp-onboarding-bot', name: 'CSP Onboarding Bot' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    text: 'help',
  }),
  checkReply: (bot, body) => (bot === 'bare' ? body.includes('echo: help') : body.includes('application/vnd.microsoft.card.adaptive')),
};
