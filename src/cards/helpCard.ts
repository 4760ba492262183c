// The help card: what the bot can do, built from the registered commands' usage lines.
import helpTemplate from './templates/help.json';
import { renderCard, type AdaptiveCard } from './render';

export interface HelpCommand {
  /** As typed, e.g. `status <id>`. */
  usage: string;
  description: string;
}

export interface HelpCardData {
  intro: string;
  /** Shows the "simulated cloud: nothing real is touched" banner. */
  simulated: boolean;
  commands: HelpCommand[];
}

export function renderHelpCard(data: HelpCardData): AdaptiveCard {
  const commands = data.commands.map((c) => ({ usage: showAngleBrackets(c.usage), description: showAngleBrackets(c.description) }));
  return renderCard(helpTemplate, { ...data, intro: showAngleBrackets(data.intro), commands });
}

/**
 * Card renderers (Teams, Web Chat) treat `<request id>` as an HTML tag and drop it, so a usage
 * line would lose its placeholders; single angle quotation marks read the same and survive.
 */
function showAngleBrackets(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

/** Splits a handler's one-line usage (`status <id>: a request and its steps`) into the card's two columns. */
export function helpCommandFromUsage(command: string, usage: string): HelpCommand {
  const colon = usage.indexOf(': ');
  if (colon > 0) return { usage: usage.slice(0, colon).trim(), description: usage.slice(colon + 2).trim() };
  return { usage: command, description: usage.trim() };
}
