// A Next click on an onboarding card (issue 17, target 1): the operator's billing card answered with
// Next (the inputs parsed and checked on the server, the draft moved to the subscription card) and
// the subscription card's Back, alternately; each reads and writes the dialog state and renders the
// card returned in place of the clicked one. Each conversation first types `onboard`, chooses New
// customer and fills the company card (one domain check on the simulated cloud); those turns fall in
// the warm-up. The floor is the bare waterfall dialog bot's message turn (bench/bareDialogBot.js).
const { TENANT, message, cardAction } = require('./teamsActivity');

const US_BILLING = {
  country: 'US',
  region: 'WA',
  city: 'Redmond',
  postalCode: '98052',
  addressLine1: 'One Microsoft Way',
  addressLine2: '',
  organizationRegistrationNumber: '',
  firstName: 'Dana',
  lastName: 'Lee',
  email: 'dana@tailspintoys.com',
  phoneNumber: '+1 425 555 0101',
  culture: 'en-US',
  language: 'en',
};

let domains = 0;

/** The next click for where this conversation's draft is (`conversation.card`, read from the last reply). */
function ourActivity(ids) {
  const c = ids.conversation;
  if (!c.draftId) return message(ids, 'onboard');
  const at = { draftId: c.draftId, card: c.card };
  switch (c.card) {
    case 'customer':
      return cardAction(ids, 'onboard.customer.new', at);
    case 'company':
      return cardAction(ids, 'onboard.company.next', { ...at, companyName: 'Bench Toys', domainPrefix: `benchtoys${process.pid}x${++domains}` });
    case 'billing':
      return cardAction(ids, 'onboard.billing.next', { ...at, ...US_BILLING });
    default:
      return cardAction(ids, 'onboard.back', at);
  }
}

/** Notes the draft and the card shown from a reply (a message with the card, or an invoke's answer). */
function noteCard(body, conversation) {
  const draft = /"draftId":"([^"]+)"/.exec(body);
  const card = /"card":"([a-z]+)"/.exec(body);
  if (!draft || !card) return false;
  conversation.draftId = draft[1];
  conversation.card = card[1];
  return true;
}

module.exports = {
  name: 'next-click',
  description: 'billing card Next / subscription card Back (invokes), dialog state read and written, a card returned',
  bots: ['bareDialog', 'csp'],
  concurrency: [16],
  botEnv: { ALLOWED_TENANT_IDS: TENANT },
  activity: (ids) => (ids.bot === 'bareDialog' ? message(ids, 'an answer') : ourActivity(ids)),
  checkReply: (bot, body, conversation) => (bot === 'bareDialog' ? /What is|Who is|Thanks/.test(body) : noteCard(body, conversation)),
};
