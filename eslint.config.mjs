import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const BOT_FRAMEWORK = { group: ['botbuilder', 'botbuilder-*', 'botframework-*'], message: 'The domain core, cards and services stay free of Bot Framework types (docs/architecture.md).' };

/** A layer's import rule: relative imports matching `forbidden` (regexes) are refused, with the reason. */
function layer(files, message, forbidden, { botbuilder = false } = {}) {
  const patterns = forbidden.map((regex) => ({ regex, message }));
  if (botbuilder || files.startsWith('src/onboarding')) patterns.push(BOT_FRAMEWORK);
  return [{ files: [files], rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', 'data/**', 'appPackage/build/**', 'coverage/**', 'devTools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The layering (docs/architecture.md): imports point inward, features -> bot / dialogs / cards ->
  // onboarding (the core) <- services / store. Each layer lists what it must not import. src/http is
  // the HTTP plumbing the bot edge and the services share (Retry-After, JSON bodies, one REST call).
  ...layer('src/onboarding/**/*.ts', 'The domain core imports only itself (its model, ports, rules and sub-domains); retry hints reach it as DomainError fields.', [
    '^(\\.\\./)+(app|config|logger|bot|dialogs|features|cards|services|store|sandbox|http|telemetry)(/|$)',
  ]),
  ...layer('src/telemetry/**/*.ts', 'Telemetry sits at the edge: the parts call it; it knows only the core\'s model and ports (for the run observer) and the configuration.', [
    '^\\.\\./onboarding/(?!(model|ports)$)',
    '^(\\.\\./)+(app|logger|bot|dialogs|features|cards|services|store|sandbox|http)(/|$)',
  ], { botbuilder: true }),
  ...layer('src/http/**/*.ts', 'The shared HTTP plumbing imports nothing of ours: services and the bot edge build on it.', [
    '^\\.\\./',
  ], { botbuilder: true }),
  ...layer('src/services/**/*.ts', 'Services implement the core\'s ports: they import only its model, ports and errors (and the shared HTTP plumbing).', [
    '^\\.\\./onboarding/(?!(model|ports|errors)$)',
    '^(\\.\\./)+(app|bot|dialogs|features|cards|store|sandbox)(/|$)',
  ], { botbuilder: true }),
  ...layer('src/store/**/*.ts', 'Stores implement the core\'s ports: they import only its model and ports.', [
    '^\\.\\./onboarding/(?!(model|ports)$)',
    '^(\\.\\./)+(app|bot|dialogs|features|cards|services|sandbox|http)(/|$)',
  ]),
  ...layer('src/cards/**/*.ts', 'Cards render the core\'s types; they know nothing of Teams turns, dialogs or features.', [
    '^(\\.\\./)+(app|bot|dialogs|features|services|store|sandbox|http)(/|$)',
  ], { botbuilder: true }),
  ...layer('src/dialogs/**/*.ts', 'Dialogs use the core, the cards, the Teams activity readers (bot/activity) and the invoke-time bound (bot/within), never a feature.', [
    '^(\\.\\./)+(app|features|services|sandbox|http)(/|$)',
    '^(\\.\\./)+bot/(?!activity$|within$)',
  ]),
  ...layer('src/bot/**/*.ts', 'The Teams edge serves every feature and knows none: features are wired in app.ts.', [
    '^(\\.\\./)+(app|features|dialogs|services|sandbox)(/|$)',
  ]),
  ...layer('src/features/*.ts', 'Features are wired by app.ts and never import the services.', [
    '^(\\.\\./)+(app|services|sandbox|http)(/|$)',
  ]),
  ...layer('src/features/*/**/*.ts', 'A feature is wired by app.ts and never imports another feature or the services.', [
    '^(\\.\\./)+(app|services|sandbox|http)(/|$)',
    '^\\.\\./(?!feature$)[^./][^/]*(/|$)',
  ]),
  {
    files: ['src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['../*', '!../sandbox/*'], message: 'The simulated cloud imports nothing of ours (docs/architecture.md).' },
      ] }],
    },
  },
);
