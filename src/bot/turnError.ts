// What happens when a turn throws: the full error goes to the log under a short reference id; the
// user sees a plain sentence with that id (never a stack trace) so support can find the log line.
// A proactive turn (a card post or update, a sweep) has no user in it: its failure goes back to the
// code that opened it, which logs it and tries again later.
import { randomBytes } from 'crypto';
import { ActivityEventNames, ActivityTypes, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import { turnLogger } from './turnLogger';
import { asInvokeResponse, errorResponse } from './invokeResponses';

/** 8 characters, unambiguous when read aloud or typed. */
export function newReferenceId(): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  return Array.from(randomBytes(8), (b) => alphabet[b % alphabet.length]).join('');
}

export function userErrorMessage(referenceId: string): string {
  return `Something went wrong on my side and I could not finish that. Please try again; if it keeps happening, give your administrator the reference ${referenceId}.`;
}

export function createTurnErrorHandler(logger: Logger): (context: TurnContext, error: Error) => Promise<void> {
  return async (context, error) => {
    // Thrown on, out of continueConversationAsync: an apology here would land in the approvers' channel.
    if (isProactiveTurn(context)) throw error;
    const referenceId = newReferenceId();
    const log = turnLogger(context, logger);
    log.error({ err: error, referenceId }, 'turn failed');
    try {
      if (context.activity.type === 'invoke') {
        // Answer the invoke so the card shows an error instead of spinning until Teams gives up.
        await context.sendActivity({ type: 'invokeResponse', value: asInvokeResponse(errorResponse(500, 'InternalServerError', userErrorMessage(referenceId))) });
      } else {
        await context.sendActivity(userErrorMessage(referenceId));
      }
    } catch (sendError) {
      log.error({ err: sendError, referenceId }, 'could not tell the user about the failed turn');
    }
  };
}

/** The turn CloudAdapter.continueConversationAsync opens: an event the bot made, not a user's activity. */
function isProactiveTurn(context: TurnContext): boolean {
  return context.activity.type === ActivityTypes.Event && context.activity.name === ActivityEventNames.ContinueConversation;
}
