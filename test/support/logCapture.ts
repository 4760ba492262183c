// A pino destination that keeps every JSON log line in memory, for asserting on what was logged.
import { createLogger, type Logger } from '../../src/logger';

export interface LogCapture {
  logger: Logger;
  lines: string[];
  /** Parsed records, oldest first. */
  records(): Array<Record<string, unknown>>;
}

export function captureLogs(level: 'info' | 'debug' | 'warn' = 'info'): LogCapture {
  const lines: string[] = [];
  const logger = createLogger({ LOG_LEVEL: level }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
