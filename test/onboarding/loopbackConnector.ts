// Moved to test/support/loopbackConnector.ts (kept so older imports still resolve).
export * from '../support/loopbackConnector';
