// Renders an Adaptive Card template (a JSON file under ./templates) with a typed view model.
// Templates use adaptivecards-templating bindings (`${field}`, `$data`, `$when`). Every binding
// that lands where Teams renders markdown (TextBlock texts, fact titles and values) is escaped here,
// in one place, so no card can forget it: the values are names and texts from operators and services.
import type * as Expressions from 'adaptive-expressions';
import type * as ACData from 'adaptivecards-templating';
import { markdownText } from './markdown';

export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

/** Teams shows bot cards up to ~100 KB; we keep every card under 28 KB (docs/reference/teams-platform.md §TP-2). */
export const MAX_CARD_BYTES = 28 * 1024;

const ESCAPE_FUNCTION = 'markdownText';

let templating: typeof ACData | undefined;

/**
 * adaptivecards-templating and adaptive-expressions (with its ANTLR grammar), loaded by the first
 * card rather than at start: they were a third of a cold start beyond botbuilder and restify
 * (docs/performance.md, issue 17). The first render pays for them once.
 */
function templateEngine(): typeof ACData {
  if (!templating) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, synchronously
    const { ExpressionEvaluator, ExpressionFunctions, FunctionUtils, ReturnType } = require('adaptive-expressions') as typeof Expressions;
    // adaptivecards-templating resolves functions from the standard table only (not Expression.functions).
    const standardFunctions = ExpressionFunctions.standardFunctions as Map<string, Expressions.ExpressionEvaluator>;
    if (!standardFunctions.has(ESCAPE_FUNCTION)) {
      standardFunctions.set(
        ESCAPE_FUNCTION,
        new ExpressionEvaluator(ESCAPE_FUNCTION, FunctionUtils.apply((args: unknown[]) => markdownText(String(args[0] ?? ''))), ReturnType.String, FunctionUtils.validateUnary),
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, synchronously
    templating = require('adaptivecards-templating') as typeof ACData;
  }
  return templating;
}

const escapedTemplates = new WeakMap<object, object>();

/** The template with `${x}` in every TextBlock text and fact title/value bound as `${markdownText(x)}`. */
export function escapeMarkdownBindings(template: object): object {
  let escaped = escapedTemplates.get(template);
  if (!escaped) {
    escaped = rewrite(template, false) as object;
    escapedTemplates.set(template, escaped);
  }
  return escaped;
}

function rewrite(node: unknown, inFacts: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, inFacts));
  if (!node || typeof node !== 'object') return node;
  const element = node as Record<string, unknown>;
  const markdownKeys = element.type === 'TextBlock' ? ['text'] : inFacts ? ['title', 'value'] : [];
  return Object.fromEntries(
    Object.entries(element).map(([key, value]) => {
      if (markdownKeys.includes(key) && typeof value === 'string') return [key, value.replace(/\$\{([^{}]+)\}/g, `\${${ESCAPE_FUNCTION}($1)}`)];
      return [key, rewrite(value, key === 'facts')];
    }),
  );
}

// `new ACData.Template` parses every `${…}` of the template with the expression grammar (ANTLR);
// that was most of a dialog turn's CPU (docs/performance.md). A prepared Template may be expanded
// with different data again and again (expand is synchronous and keeps nothing between calls), so
// each template is prepared once per process.
const preparedTemplates = new WeakMap<object, ACData.Template>();

function prepared(template: object): ACData.Template {
  let ready = preparedTemplates.get(template);
  if (!ready) {
    ready = new (templateEngine().Template)(escapeMarkdownBindings(template));
    preparedTemplates.set(template, ready);
  }
  return ready;
}

export function renderCard<T extends object>(template: object, data: T): AdaptiveCard {
  const card = prepared(template).expand({ $root: data }) as AdaptiveCard;
  const bytes = Buffer.byteLength(JSON.stringify(card), 'utf8');
  if (bytes > MAX_CARD_BYTES) {
    throw new Error(`Card is ${bytes} bytes, over the ${MAX_CARD_BYTES}-byte budget: page the list instead`);
  }
  return card;
}

/** The `attachments` entry for a card in a message activity. */
export function cardAttachment(card: AdaptiveCard): { contentType: string; content: AdaptiveCard } {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}
