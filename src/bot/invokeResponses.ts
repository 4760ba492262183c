// The answers to an Adaptive Card invoke (Action.Execute), in the shapes Teams expects: a card that
// replaces the clicked one, a short message, or an error the card shows. Handlers return these;
// `asInvokeResponse` wraps one for the places that answer the invoke themselves (turn errors).
import type { AdaptiveCardInvokeResponse, InvokeResponse } from 'botbuilder';
import type { AdaptiveCard } from '../cards/render';

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
const MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';
const ERROR_TYPE = 'application/vnd.microsoft.error';

/** The clicked card is replaced by this one (for the clicker only). */
export function cardResponse(card: AdaptiveCard): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: ADAPTIVE_CARD_TYPE, value: card };
}

/** Teams shows the text briefly under the card; the card stays as it was. */
export function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: MESSAGE_TYPE, value: text as unknown as Record<string, unknown> };
}

/** An error the card shows (4xx: the click was wrong; 5xx: we failed). */
export function errorResponse(statusCode: number, code: string, message: string): AdaptiveCardInvokeResponse {
  return { statusCode, type: ERROR_TYPE, value: { code, message } };
}

/** The invoke's HTTP answer: status = the body's statusCode, as botbuilder does for its own errors. */
export function asInvokeResponse(response: AdaptiveCardInvokeResponse): InvokeResponse {
  return { status: response.statusCode, body: response };
}

/** The text of a message response, or undefined for a card or an error. */
export function messageText(response: AdaptiveCardInvokeResponse): string | undefined {
  return response.type === MESSAGE_TYPE && typeof response.value === 'string' ? response.value : undefined;
}
