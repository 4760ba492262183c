// The layering in docs/architecture.md is enforced by eslint.config.mjs (no-restricted-imports per
// folder). These cases lint small sources as if they lived in each folder, so a loosened rule fails
// here and not months later in a code review.
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

/**
 * Lints every case in one plain Node process with ESLint's API (jest's module sandbox cannot load
 * the ES-module config). Answers, per case, the no-restricted-imports messages.
 */
function lintImports(cases: Array<[string, string]>): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const path = require('path');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const [file, specifier] of JSON.parse(process.argv[1])) {
        const code = "import type * as dependency from '" + specifier + "';\\nexport type Dependency = typeof dependency;\\n";
        const [result] = await eslint.lintText(code, { filePath: path.join(process.cwd(), file) });
        out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((err) => { console.error(err); process.exit(1); });`;
  const child = spawnSync(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: root, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`eslint failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as string[][];
}

const refused: Array<[string, string]> = [
  ['src/onboarding/run/steps/newStep.ts', '../../../store/types'],
  ['src/onboarding/requests/newRule.ts', '../../services/armClient'],
  ['src/onboarding/model2.ts', 'botbuilder'],
  ['src/onboarding/tenants/x.ts', '../../dialogs/onboardingDraft'],
  ['src/services/newClient.ts', '../onboarding/run/runner'],
  ['src/services/newClient.ts', '../store/types'],
  ['src/services/newClient.ts', 'botbuilder'],
  ['src/store/newStore.ts', '../onboarding/requests/requestLifecycle'],
  ['src/store/newStore.ts', '../services'],
  ['src/cards/newCard.ts', '../dialogs/onboardingDraft'],
  ['src/cards/newCard.ts', 'botbuilder'],
  ['src/dialogs/newDialog.ts', '../features/tenants/tenantFeature'],
  ['src/dialogs/newDialog.ts', '../bot/cspBot'],
  ['src/bot/newEdge.ts', '../features/approvals/approvalFeature'],
  ['src/bot/newEdge.ts', '../services'],
  ['src/features/tenants/newCommand.ts', '../approvals/approvalFeature'],
  ['src/features/tenants/newCommand.ts', '../../services'],
  ['src/features/tenants/newCommand.ts', '../../app'],
  ['src/sandbox/newApi.ts', '../onboarding/model'],
  ['src/onboarding/run/newObserver.ts', '../../telemetry/telemetry'],
  ['src/telemetry/newExporter.ts', '../bot/cspBot'],
  ['src/telemetry/newExporter.ts', '../onboarding/run/runner'],
  ['src/telemetry/newExporter.ts', 'botbuilder'],
];

const allowed: Array<[string, string]> = [
  ['src/onboarding/run/steps/newStep.ts', '../../ports'],
  ['src/onboarding/tenants/x.ts', '../requests/requestIds'],
  ['src/services/newClient.ts', '../onboarding/ports'],
  ['src/services/newClient.ts', '../onboarding/errors'],
  ['src/store/newStore.ts', '../onboarding/model'],
  ['src/cards/newCard.ts', '../onboarding/tenants/reconcile'],
  ['src/dialogs/newDialog.ts', '../cards/render'],
  ['src/dialogs/newDialog.ts', '../bot/activity'],
  ['src/dialogs/newDialog.ts', '../bot/within'],
  ['src/bot/newEdge.ts', '../cards/render'],
  ['src/features/tenants/newCommand.ts', '../feature'],
  ['src/features/tenants/newCommand.ts', '../../bot/handlers'],
  ['src/features/tenants/newCommand.ts', '../../dialogs/onboardingDraft'],
  ['src/features/tenants/newCommand.ts', './tenantFeature'],
  ['src/telemetry/newObserver.ts', '../onboarding/ports'],
  ['src/services/newClient.ts', '../telemetry/telemetry'],
  ['src/bot/newEdge.ts', '../telemetry/telemetry'],
];

describe('the layering rule', () => {
  let answers: string[][];
  beforeAll(() => {
    answers = lintImports([...refused, ...allowed]);
  }, 60_000);

  it.each(refused.map((c, i) => [...c, i] as const))('refuses %s importing %s', (_file, _specifier, i) => {
    expect(answers[i]).not.toEqual([]);
  });

  it.each(allowed.map((c, i) => [...c, refused.length + i] as const))('lets %s import %s', (_file, _specifier, i) => {
    expect(answers[i]).toEqual([]);
  });
});
