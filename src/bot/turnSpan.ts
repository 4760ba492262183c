// The turn's span (src/bot/server.ts opens it around the adapter): named by what the turn does, the
// command word or the card verb, once the bot has routed it. Names only: never the user's text.
import type { TurnContext } from 'botbuilder';
import type { TelemetrySpan } from '../telemetry/telemetry';

const TURN_SPAN = Symbol('turnSpan');
const NAME_RE = /^[\w.-]{1,64}$/;

export function attachTurnSpan(context: TurnContext, span: TelemetrySpan): void {
  context.turnState.set(TURN_SPAN, span);
}

/** Names the turn after the command or card verb that handles it (e.g. `turn approval.approve`). */
export function nameTurn(context: TurnContext, handledAs: string): void {
  const span = context.turnState.get(TURN_SPAN) as TelemetrySpan | undefined;
  if (!span) return;
  const name = handledAs.trim().toLowerCase().replace(/\s+/g, '-');
  span.rename(`turn ${NAME_RE.test(name) ? name : 'unknown'}`);
}
