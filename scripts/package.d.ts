// Types for package.js (used from the TypeScript tests).
export function fillPlaceholders(text: string, values: Record<string, string | undefined>): { text: string; missing: string[] };
export function buildAppPackage(envName: string, env?: NodeJS.ProcessEnv): Promise<string>;
