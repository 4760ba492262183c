// A user types "onboard" (issue 17, target 1). Ours reads the operator's dialog state, starts a draft
// (first turn) or resumes the open one ("You already have an onboarding draft open" and its card),
// renders the card and writes the state, on SQLite. The floor is the bare waterfall dialog bot
// (bench/bareDialogBot.js): a turn that continues three TextPrompts with ConversationState and
// UserState. The reply counted is the card (ours) or the prompt (the floor).
const { TENANT, message } = require('./teamsActivity');

const isCard = (body) => body.includes('application/vnd.microsoft.card.adaptive');

module.exports = {
  name: 'onboard-turn',
  description: '"onboard" message → its card, dialog state read and written',
  bots: ['bareDialog', 'csp'],
  concurrency: [16],
  botEnv: { ALLOWED_TENANT_IDS: TENANT },
  activity: (ids) => message(ids, ids.bot === 'bareDialog' ? 'an answer' : 'onboard'),
  finalReply: (bot, body) => bot !== 'csp' || isCard(body),
  checkReply: (bot, body) => (bot === 'bareDialog' ? /What is|Who is|Thanks/.test(body) : isCard(body) && body.includes('Onboard a customer')),
};
