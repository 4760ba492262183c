// A per-turn child logger that carries the activity, conversation and tenant ids, so every log
// line of a turn can be found from any one of them. Handlers get it with `turnLogger(context)`.
import type { TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import { conversationIdOf, tenantIdOf } from './activity';

const TURN_LOGGER = Symbol('turnLogger');

export function attachTurnLogger(context: TurnContext, logger: Logger): Logger {
  const child = logger.child({
    activityId: context.activity.id,
    activityType: context.activity.type,
    conversationId: conversationIdOf(context.activity) || undefined,
    tenantId: tenantIdOf(context.activity),
  });
  context.turnState.set(TURN_LOGGER, child);
  return child;
}

/** The turn's logger; `fallback` when the turn has none yet (e.g. an error before the bot ran). */
export function turnLogger(context: TurnContext, fallback?: Logger): Logger {
  const attached = context.turnState.get(TURN_LOGGER) as Logger | undefined;
  if (attached) return attached;
  if (!fallback) throw new Error('turnLogger: no logger attached to this turn');
  return attachTurnLogger(context, fallback);
}
