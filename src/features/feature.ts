// What a feature is given and what it may run beside the turns. A feature (one folder under
// src/features/) owns its typed commands and card actions; app.ts builds each one from these
// dependencies and hands its handlers to the bot.
import type { CloudAdapter, ConversationState, UserState } from 'botbuilder';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Cloud, RunObserver } from '../onboarding/ports';
import type { BotStore } from '../store/types';

/** Work that runs beside the turns (e.g. the durable run's worker): started after listen, stopped before the store closes. */
export interface BackgroundService {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/** What every feature handler may use. */
export interface FeatureDependencies {
  config: Config;
  logger: Logger;
  store: BotStore;
  cloud: Cloud;
  adapter: CloudAdapter;
  conversationState: ConversationState;
  userState: UserState;
  /** The clock for timed behaviour (reminders, expiry); tests pass a fake one. Default: the system clock. */
  now?: () => Date;
  /** The run's telemetry (src/telemetry/runTelemetry.ts); absent: none. */
  runObserver?: RunObserver;
}
