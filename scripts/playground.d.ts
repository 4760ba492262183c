// Types for playground.js (used from the TypeScript tests).
import type { ChildProcess } from 'child_process';

export interface PlaygroundUser {
  id: string;
  name: string;
  userPrincipleName: string;
  aadObjectId: string;
  givenName: string;
  surname: string;
  email: string;
}
export const PLAYGROUND_TENANT_ID: string;
export const PLAYGROUND_BOT: { id: string; name: string };
export const PLAYGROUND_USERS: PlaygroundUser[];
export const PLAYGROUND_CONVERSATIONS: { personalChat: string; groupChat: string; team: string; channel: string };
export function playgroundConfig(tenantId?: string): Record<string, unknown>;
export interface StartedPlayground {
  port: number;
  url: string;
  child: ChildProcess;
  workDir: string;
  stop(): Promise<void>;
}
export function startPlayground(options: {
  botEndpoint: string;
  port?: number;
  tenantId?: string;
  workDir?: string;
  stdio?: 'pipe' | 'inherit';
}): Promise<StartedPlayground>;
export function stopChild(child: ChildProcess, signal?: NodeJS.Signals): Promise<void>;
export function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void>;
