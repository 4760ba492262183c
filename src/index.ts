// Entry point (`node lib/index.js`): read .env, check the configuration, start the bot, and stop it
// cleanly on SIGTERM/SIGINT. A bad configuration stops the process before it listens.
import * as dotenv from 'dotenv';
import { performance } from 'perf_hooks';
import type { App } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './logger';

/** Longest a shutdown may take before the process gives up waiting and exits anyway. */
const SHUTDOWN_LIMIT_MS = 15_000;

export function bannerLines(config: Config, port: number, cloud: { name: string; simulated: boolean }): string[] {
  return [
    `CSP Onboarding Bot listening on http://localhost:${port}/api/messages`,
    config.localMode
      ? 'mode: local (LOCAL_MODE=true: no token validation, 127.0.0.1 only; for the local Teams client and the Emulator only)'
      : `mode: authenticated (app id ${config.MicrosoftAppId}, ${config.MicrosoftAppType})`,
    cloud.simulated ? 'cloud: simulated cloud — nothing real is touched' : `cloud: ${cloud.name}`,
  ];
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<App | undefined> {
  dotenv.config({ quiet: true });
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write('The bot cannot start. Fix these environment variables (or .env):\n');
    for (const problem of err.problems) process.stderr.write(`  ${problem}\n`);
    process.exitCode = 1;
    return undefined;
  }

  const logger = createLogger(config);
  // OpenTelemetry only when asked for: without these variables not one of its modules is loaded.
  const telemetry =
    config.APPLICATIONINSIGHTS_CONNECTION_STRING || config.OTEL_EXPORTER_OTLP_ENDPOINT
      ? await (await import('./telemetry/sdk')).startTelemetry(config)
      : undefined;
  // Loaded only once the configuration is good: botbuilder and restify take a second to load, and
  // a configuration mistake should be reported at once.
  const { createApp } = await import('./app');
  const app = await createApp(config, { logger });
  const port = await app.listen(config.PORT);
  // Time since the process started, for the cold-start budget (docs/performance.md).
  const startupMs = Math.round(performance.now());
  for (const line of bannerLines(config, port, app.cloud)) logger.info({ port, startupMs }, line);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing turns in flight');
    const limit = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    limit.unref();
    app
      .close()
      .then(() => telemetry?.shutdown())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return app;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // Start-up failed after the configuration was accepted (port in use, store cannot open…).
    process.stderr.write(`The bot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
