import { mkdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/index.js';
import { ZsError } from '../errors.js';
import { buildApp } from './app.js';
import { Hub } from './hub.js';
import { claimOwner, recordUrl } from './lock.js';

export function createLogger(config: Config): Logger {
  return pino({
    level: config.log_level,
    // Secrets never belong in logs; these paths are redacted wherever they appear.
    redact: ['req.headers.authorization', '*.apiKey', '*.password', '*.token', '*.key'],
  });
}

export interface RunningHub {
  url: string;
  hub: Hub;
  close(): Promise<void>;
}

/** Start the hub: claim the data directory, open the store, listen. */
export async function serve(config: Config, logger = createLogger(config)): Promise<RunningHub> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const owner = claimOwner(config.dataDir, 'hub');
  if (!owner && !config.database_url) {
    throw new ZsError(
      409,
      'data_dir_busy',
      `data_dir: ${config.dataDir} is in use by another Zhongshu process (see owner.json there)`,
      'server_error',
    );
  }
  try {
    const { hub, credentialsFile } = await Hub.start(config, logger);
    if (credentialsFile) {
      logger.info(
        { file: credentialsFile },
        'first start: initial administrator accounts created; their passwords are in this 0600 file',
      );
    }
    const app = await buildApp(hub, { logger, operatorToken: owner?.info.token });
    const address = await app.listen({ host: config.host, port: config.port });
    const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '[::1]');
    if (owner) recordUrl(config.dataDir, owner.info, url);
    logger.info(
      { url, store: hub.store.kind, models: hub.registry.models.size },
      'Zhongshu hub listening',
    );
    let closing: Promise<void> | null = null;
    return {
      url,
      hub,
      close: () =>
        (closing ??= (async () => {
          await app.close();
          await hub.close();
          owner?.release();
        })()),
    };
  } catch (err) {
    owner?.release();
    throw err;
  }
}
