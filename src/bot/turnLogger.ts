// A per-turn child logger that carries the activity, conversation and tenant ids, so every log
// line of a turn can be found from any one of them. Handlers get it with `turnLogger(context)`.
//
// The child is made when the turn first logs, not when it starts: most turns log nothing, and a
// pino child runs its bindings through our redaction (wildcard paths), about 40 KB of garbage a
// turn that, under load, was promoted to the old generation and grew the resident memory
// (docs/performance.md, issue 17).
import type { TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import { conversationIdOf, tenantIdOf } from './activity';

const TURN_LOGGER = Symbol('turnLogger');
const PARENT_LOGGER = Symbol('turnLoggerParent');

/** Sets the logger the turn's child logger comes from; the child is made by the first `turnLogger(context)`. */
export function attachTurnLogger(context: TurnContext, logger: Logger): void {
  context.turnState.set(PARENT_LOGGER, logger);
}

/** The turn's logger; from `fallback` when the turn has none attached (e.g. an error before the bot ran). */
export function turnLogger(context: TurnContext, fallback?: Logger): Logger {
  const made = context.turnState.get(TURN_LOGGER) as Logger | undefined;
  if (made) return made;
  const parent = (context.turnState.get(PARENT_LOGGER) as Logger | undefined) ?? fallback;
  if (!parent) throw new Error('turnLogger: no logger attached to this turn');
  const child = parent.child({
    activityId: context.activity.id,
    activityType: context.activity.type,
    conversationId: conversationIdOf(context.activity) || undefined,
    tenantId: tenantIdOf(context.activity),
  });
  context.turnState.set(TURN_LOGGER, child);
  return child;
}
