// The floor: a bare botbuilder echo bot — restify 11 + CloudAdapter (auth off), nothing else.
// Usage: PORT=3978 node bench/bareBot.js ; prints LISTENING <port> when ready.
const restify = require('restify');
const { CloudAdapter, ConfigurationBotFrameworkAuthentication, ActivityHandler } = require('botbuilder');

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' }));
adapter.onTurnError = async (context, error) => {
  console.error(error);
  await context.sendActivity('error');
};
const bot = new ActivityHandler();
bot.onMessage(async (context, next) => {
  await context.sendActivity(`echo: ${context.activity.text}`);
  await next();
});

const server = restify.createServer();
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});
server.get('/readyz', (_req, res, next) => {
  res.send(200, { status: 'ready' });
  next();
});
server.listen(Number(process.env.PORT || 3978), () => console.log(`LISTENING ${server.address().port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
