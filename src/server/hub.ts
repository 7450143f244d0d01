import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { loadMasterKey } from '../crypto/master-key.js';
import { Sealer } from '../crypto/sm.js';
import { KeyAuthenticator } from '../gateway/auth.js';
import { Breakers } from '../gateway/breaker.js';
import type { CallOutcome, OutcomeObserver } from '../gateway/outcome.js';
import { UpstreamPools } from '../gateway/upstream.js';
import { bootstrapAdmins } from '../identity/bootstrap.js';
import { applyOrgTree, ensureRootOrg, type Org } from '../identity/orgs.js';
import { applyRegistry } from '../registry/apply.js';
import { loadRegistry, type Registry } from '../registry/snapshot.js';
import { openStore, readChangeVersion, type Store } from '../store/index.js';
import { HubMetrics } from './metrics.js';

/**
 * Everything a running hub holds, created once at start and passed explicitly to the routes.
 * The sync loop notices changes made by other processes (another hub, the CLI) through the
 * store's change version and reloads keys and the registry.
 */
export class Hub {
  readonly pools = new UpstreamPools();
  readonly metrics = new HubMetrics();
  readonly breakers: Breakers;
  readonly keys: KeyAuthenticator;
  readonly observers: OutcomeObserver[] = [];
  registry: Registry = { endpoints: new Map(), models: new Map() };
  private version = -1;
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;

  private constructor(
    readonly config: Config,
    readonly store: Store,
    readonly sealer: Sealer,
    readonly root: Org,
    readonly log: Logger,
  ) {
    this.breakers = new Breakers({
      failureThreshold: config.gateway.breaker_failure_threshold,
      cooldownMs: config.gateway.breaker_cooldown_ms,
    });
    this.keys = new KeyAuthenticator(store.db);
    this.observers.push((o) => this.metrics.observe(o));
  }

  /** Open the store, migrate, apply the config, create the administrators on first start. */
  static async start(
    config: Config,
    log: Logger,
  ): Promise<{ hub: Hub; credentialsFile: string | null }> {
    const store = await openStore({ databaseUrl: config.database_url, dataDir: config.dataDir });
    try {
      const sealer = new Sealer(
        loadMasterKey({ ...config, dataDir: config.dataDir, embedded: !config.database_url }),
      );
      const root = await ensureRootOrg(store.db, config.root_org);
      await applyOrgTree(store.db, root, config.orgs);
      await applyRegistry(store.db, config, sealer);
      const credentialsFile = await bootstrapAdmins(store.db, root, config.dataDir);
      const hub = new Hub(config, store, sealer, root, log);
      await hub.sync();
      // An embedded database has one owner, and every change goes through this process (which
      // syncs at once), so only a shared server needs polling for other processes' changes.
      if (config.database_url) {
        hub.timer = setInterval(
          () => void hub.sync().catch((err: unknown) => log.warn({ err }, 'sync failed')),
          config.sync_interval_ms,
        );
        hub.timer.unref();
      }
      return { hub, credentialsFile };
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** Hand a finished call to every observer; one failing observer never fails the call or the others. */
  observe(outcome: CallOutcome): void {
    for (const observer of this.observers) {
      try {
        observer(outcome);
      } catch (err) {
        this.log.error({ err, requestId: outcome.requestId }, 'call observer failed');
      }
    }
  }

  /** Reload keys and registry if anything changed since the last look. */
  sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const version = await readChangeVersion(this.store.db);
        if (version === this.version) return;
        const g = this.config.gateway;
        this.registry = await loadRegistry(this.store.db, this.sealer, {
          connectMs: g.connect_timeout_ms,
          firstByteMs: g.first_byte_timeout_ms,
          totalMs: g.total_timeout_ms,
        });
        this.keys.clear();
        this.version = version;
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.syncing?.catch(() => {});
    await this.pools.close();
    await this.store.close();
  }
}
