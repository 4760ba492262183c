// The composition root: builds the store, the cloud clients, the adapter, the feature handlers and
// the bot, and wires them to the HTTP server. It only wires; behaviour lives in the parts.
import type { CloudAdapter, ConversationState, UserState } from 'botbuilder';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import { createAdapter, type ChannelAuthSettings } from './bot/adapter';
import { createApprovalFeature, type ApprovalFeature } from './features/approvals/approvalFeature';
import { createOnboardingFeature } from './features/onboarding/onboardingFeature';
import { createBulkFeature } from './features/bulk/bulkFeature';
import { ConcurrentConversationState, ConcurrentUserState } from './bot/concurrentState';
import { CspBot } from './bot/cspBot';
import { createTenantFeature } from './features/tenants/tenantFeature';
import type { CardActionHandler, CommandHandler } from './bot/handlers';
import { createBotServer, type BotServer } from './bot/server';
import type { BackgroundService, FeatureDependencies } from './features/feature';
import { createTurnErrorHandler } from './bot/turnError';
import type { Config } from './config';
import { createLogger, type Logger } from './logger';
import type { Cloud } from './onboarding/ports';
import { createCloud } from './services';
import { openStore } from './store';
import { createRunTelemetry } from './telemetry/runTelemetry';
import type { BotStore } from './store/types';

export interface AppOptions {
  logger?: Logger;
  /** A store owned by the caller (not closed by app.close()); default: openStore(config). */
  store?: BotStore;
  cloud?: Cloud;
  /** Channel token endpoints (tests serve them on loopback); default: the public Bot Framework. */
  channelAuth?: ChannelAuthSettings;
  /** The bot's outbound credential; default: MicrosoftAppId/MicrosoftAppPassword through MSAL. */
  credentialsFactory?: ServiceClientCredentialsFactory;
  /** How long a shutdown waits for turns in flight. Default 10 s. */
  drainTimeoutMs?: number;
  /** The clock of reminders and expiry (tests pass a fake one). Default: the system clock. */
  now?: () => Date;
  /**
   * Registers these handlers instead of the features' (tests build the real app around one feature
   * or handlers of their own). The approvals are still built, for `app.approvals`. Default: every feature.
   */
  features?: (deps: FeatureDependencies) => FeatureHandlers;
}

/** What a feature registration hands to the bot and to the app's start and stop. */
export interface FeatureHandlers {
  commands: CommandHandler[];
  cardActions: CardActionHandler[];
  services: BackgroundService[];
}

export interface App {
  readonly config: Config;
  readonly server: BotServer;
  readonly adapter: CloudAdapter;
  readonly bot: CspBot;
  readonly store: BotStore;
  readonly cloud: Cloud;
  readonly logger: Logger;
  readonly conversationState: ConversationState;
  readonly userState: UserState;
  readonly commands: readonly CommandHandler[];
  readonly cardActions: readonly CardActionHandler[];
  /** Approval and the durable run (issue 5): lifecycle, runner, notifier; `idle()` for tests. */
  readonly approvals: ApprovalFeature;
  /** Listens on `port` (default config.PORT; 0 = any free port) and starts the background services. Returns the port. */
  listen(port?: number): Promise<number>;
  /** Stops accepting, lets turns in flight finish (bounded), stops background services, closes what the app opened. */
  close(): Promise<void>;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config);
  const ownsStore = !options.store;
  const store = options.store ?? (await openStore(config, { logger }));
  const cloud = options.cloud ?? createCloud(config, { logger });
  const adapter = createAdapter(config, { channelAuth: options.channelAuth, credentialsFactory: options.credentialsFactory });
  adapter.onTurnError = createTurnErrorHandler(logger);
  // Saved under the eTag they were read with: a turn that lost to another instance keeps nothing (issue 7).
  const conversationState = new ConcurrentConversationState(store.state);
  const userState = new ConcurrentUserState(store.state);
  const runObserver = createRunTelemetry();
  const deps: FeatureDependencies = { config, logger, store, cloud, adapter, conversationState, userState, now: options.now, runObserver };

  // Approval and the durable run. The onboarding dialog gets `approvals.onSubmitted` (post the
  // approval card) and `approvals.cancelRequest` (`cancel <id>`).
  const approvals = createApprovalFeature(deps);
  const { commands, cardActions, services } = options.features ? options.features(deps) : buildFeatures(deps, approvals);

  const bot = new CspBot({ commands, cardActions, store, conversationState, userState, logger, config, cloud, policy: approvals.policy });
  let closing = false;
  const server = createBotServer({
    adapter,
    bot,
    logger,
    isReady: () => !closing && store.isOpen() && storeReachable(store, logger),
    // Only Teams; the Emulator too when nothing real is reachable (local mode is sandbox-only).
    channels: config.localMode ? ['msteams', 'emulator'] : ['msteams'],
  });
  let started = false;

  return {
    config,
    server,
    adapter,
    bot,
    store,
    cloud,
    logger,
    conversationState,
    userState,
    commands,
    cardActions,
    approvals,
    async listen(port = config.PORT) {
      // A local-mode bot checks no tokens: never reachable from another machine.
      const bound = await server.listen(port, config.localMode ? '127.0.0.1' : undefined);
      for (const service of services) await service.start();
      started = true;
      return bound;
    },
    async close() {
      if (closing) return;
      closing = true;
      const drained = await server.stop(options.drainTimeoutMs ?? 10_000);
      if (!drained) logger.warn({ inFlight: server.inFlight() }, 'shutdown: turns still running after the drain timeout');
      if (started) {
        for (const service of [...services].reverse()) {
          try {
            await service.stop();
          } catch (err) {
            logger.error({ err, service: service.name }, 'shutdown: a background service failed to stop');
          }
        }
      }
      if (ownsStore) await store.close();
    },
  };
}

/** How long /readyz waits for the store (App Service's health check gives up after a minute). */
const READY_PROBE_MS = 5_000;

/** One cheap read of the store; an unreachable store makes /readyz answer 503. */
async function storeReachable(store: BotStore, logger: Logger): Promise<boolean> {
  try {
    await store.ping(AbortSignal.timeout(READY_PROBE_MS));
    return true;
  } catch (err) {
    logger.warn({ err, store: store.kind }, 'not ready: the store cannot be reached');
    return false;
  }
}

/**
 * ===== Feature registration =====
 * Each feature constructs its handlers here: `commands.push(new XCommand(deps))`,
 * `cardActions.push(new YAction(deps))`, `services.push(worker)`. The bot routes typed commands
 * to the longest matching `command`, card verbs to the first handler whose `matches(verb)`, and
 * lists every command's `usage` on the help card.
 */
function buildFeatures(deps: FeatureDependencies, approvals: ApprovalFeature): FeatureHandlers {
  const commands: CommandHandler[] = [];
  const cardActions: CardActionHandler[] = [];
  const services: BackgroundService[] = [];
  // (features register here)
  commands.push(...approvals.commands);
  cardActions.push(...approvals.cardActions);
  services.push(...approvals.services);
  // Tenant mappings (issue 6): list, inspect, re-map, remove, reconcile; changes go through `approvals`.
  const tenants = createTenantFeature({ cloud: deps.cloud, store: deps.store, logger: deps.logger, intake: approvals.intake });
  commands.push(...tenants.commands);
  cardActions.push(...tenants.cardActions);
  // Onboarding: `onboard`, bare `cancel` and the onboard.* card buttons; a submitted draft goes
  // through the intake, `cancel <id>` to the approvals' request cancel.
  const onboarding = createOnboardingFeature({
    cloud: deps.cloud,
    store: deps.store,
    conversationState: deps.conversationState,
    draftTtlHours: deps.config.DRAFT_TTL_HOURS,
    intake: approvals.intake,
    cancelRequest: (context, args) => approvals.cancelRequest(context, args),
    onHookError: (err, request) => deps.logger.error({ err, requestId: request.id }, 'posting a submitted request for approval failed'),
    continueConversation: (reference, logic) => deps.adapter.continueConversationAsync(deps.config.MicrosoftAppId ?? '', reference, logic),
    onSweepError: (err, conversationId) => deps.logger.warn({ err, conversationId }, 'could not announce an expired onboarding draft'),
  });
  commands.push(...onboarding.commands);
  cardActions.push(...onboarding.cardActions);
  services.push(...onboarding.services);
  // Bulk onboarding (issue 16): `onboard bulk`, the bulk.* buttons; a submitted list goes through the intake as one BAT- request.
  const bulk = createBulkFeature({ cloud: deps.cloud, store: deps.store, intake: approvals.intake });
  commands.push(...bulk.commands);
  cardActions.push(...bulk.cardActions);
  return { commands, cardActions, services };
}
