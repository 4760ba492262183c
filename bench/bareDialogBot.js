// The dialog floor: a bare botbuilder waterfall dialog bot — restify 11 + CloudAdapter (auth off),
// one WaterfallDialog with three TextPrompts, ConversationState (the dialog stack) and UserState
// (what the user answered) on MemoryStorage, both saved at the end of every turn. Every message
// turn answers with one message: the next prompt, or the summary when the three are answered (the
// next message starts again). This is what botbuilder itself costs for a turn that reads and writes
// dialog state and replies (docs/performance.md, issue 17).
// Usage: PORT=3978 node bench/bareDialogBot.js ; prints LISTENING <port> when ready.
const restify = require('restify');
const { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, MemoryStorage, UserState } = require('botbuilder');
const { DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog } = require('botbuilder-dialogs');

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' }));
adapter.onTurnError = async (context, error) => {
  console.error(error);
  await context.sendActivity('error');
};
const storage = new MemoryStorage();
const conversationState = new ConversationState(storage);
const userState = new UserState(storage);
const dialogState = conversationState.createProperty('dialogState');
const profile = userState.createProperty('profile');

const dialogs = new DialogSet(dialogState);
dialogs.add(new TextPrompt('text'));
dialogs.add(
  new WaterfallDialog('profile', [
    (step) => step.prompt('text', 'What is the company name?'),
    async (step) => {
      step.values.company = step.result;
      return step.prompt('text', 'What is the domain prefix?');
    },
    async (step) => {
      step.values.domain = step.result;
      return step.prompt('text', 'Who is the billing contact?');
    },
    async (step) => {
      const answers = { company: step.values.company, domain: step.values.domain, contact: step.result };
      await profile.set(step.context, { ...answers, completed: ((await profile.get(step.context, {})).completed ?? 0) + 1 });
      await step.context.sendActivity(`Thanks: ${answers.company}, ${answers.domain}, ${answers.contact}.`);
      return step.endDialog(answers);
    },
  ]),
);

const bot = new ActivityHandler();
bot.onMessage(async (context, next) => {
  const dc = await dialogs.createContext(context);
  const result = await dc.continueDialog();
  if (result.status === DialogTurnStatus.empty) await dc.beginDialog('profile');
  await next();
});

const server = restify.createServer();
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, async (context) => {
    await bot.run(context);
    await conversationState.saveChanges(context, false);
    await userState.saveChanges(context, false);
  });
});
server.get('/readyz', (_req, res, next) => {
  res.send(200, { status: 'ready' });
  next();
});
server.listen(Number(process.env.PORT || 3978), () => console.log(`LISTENING ${server.address().port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
