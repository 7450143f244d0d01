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
import { configDigest } from '../ledger/config-digest.js';
import { Ledger } from '../ledger/ledger.js';
import { AuditPolicies, applyPolicies, loadPolicies } from '../ledger/policy.js';
import { loadSigner, type Signer } from '../ledger/signer.js';
import { retentionTask } from '../ledger/retention.js';
import { AigcLabeler } from '../guard/aigc.js';
import { defaultConsoleDir, loadConsole } from '../console/static.js';
import { loadLexicon, Moderator } from '../guard/moderation.js';
import { createPiiDetector } from '../guard/pii/index.js';
import { ViolationBook } from '../guard/violation-book.js';
import { applyGuardPolicies, GuardPolicies, loadGuardPolicies } from '../guard/policy.js';
import { loadLimits } from '../limits/book.js';
import { Limiter } from '../limits/limiter.js';
import { applyLimits } from '../limits/store.js';
import { applyPrices, loadPrices, PriceBook } from '../metering/prices.js';
import { Recorder, type ActionRecord } from '../metering/recorder.js';
import { applyRegistry } from '../registry/apply.js';
import { loadRegistry, type Registry } from '../registry/snapshot.js';
import { ensurePartitions } from '../store/partitions.js';
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
  readonly ledger: Ledger;
  readonly recorder: Recorder;
  /** Rate limits, token quotas and budgets; counters in process or in Redis (`redis_url`). */
  readonly limiter: Limiter;
  registry: Registry = { endpoints: new Map(), models: new Map() };
  prices = new PriceBook([]);
  policies = new AuditPolicies(new Map());
  guardPolicies = new GuardPolicies(new Map());
  /** Implicit labels for generated answers (GB 45438-2025). */
  readonly aigc: AigcLabeler;
  /** Personal identifiers in what would reach a model (built once: it holds the gazetteer). */
  readonly detector = createPiiDetector();
  /** Content safety: the operator's lexicon on inputs and answers, injection flags. */
  readonly moderator: Moderator;
  /** Violations and suspensions of the callers whose input was blocked. */
  readonly violations: ViolationBook;
  /** The built web console, held in memory (null: not built). */
  readonly console = loadConsole(defaultConsoleDir());
  private version = -1;
  private timers: NodeJS.Timeout[] = [];
  private syncing: Promise<void> | null = null;

  private constructor(
    readonly config: Config,
    readonly store: Store,
    readonly sealer: Sealer,
    readonly root: Org,
    readonly log: Logger,
    readonly signer: Signer,
    /** Public keys whose checkpoint signatures verification accepts. */
    readonly trustedKeys: readonly string[],
  ) {
    this.breakers = new Breakers({
      failureThreshold: config.gateway.breaker_failure_threshold,
      cooldownMs: config.gateway.breaker_cooldown_ms,
    });
    this.keys = new KeyAuthenticator(store.db);
    this.moderator = moderatorFor(config, log);
    const v = config.safety.violations;
    this.violations = new ViolationBook(store.db, {
      consecutive: v.consecutive,
      perDay: v.per_day,
      suspendMinutes: v.suspend_minutes,
    });
    this.aigc = new AigcLabeler(config.aigc.producer ?? '', (data) => sealer.tag('aigc', data));
    this.ledger = new Ledger(store.db, signer, config.audit.checkpoint_every);
    this.recorder = new Recorder({
      db: store.db,
      ledger: this.ledger,
      sealer,
      prices: () => this.prices,
      storesContent: (orgPath) => this.policies.storesContent(orgPath),
      log,
    });
    this.observers.push((o) => this.metrics.observe(o));
    this.limiter = new Limiter({
      db: store.db,
      redisUrl: config.redis_url,
      log,
      metrics: this.metrics.registry,
    });
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
      await applyPrices(store.db, config);
      await applyPolicies(store.db, config);
      await applyGuardPolicies(store.db, config);
      await applyLimits(store.db, config);
      const credentialsFile = await bootstrapAdmins(store.db, root, config.dataDir);
      await ensurePartitions(store.db);
      const { signer, trusted } = await loadSigner(store.db, sealer, config.audit.signing_key_file);
      const hub = new Hub(config, store, sealer, root, log, signer, trusted);
      await hub.sync();
      await hub.recordAction({
        actor: 'system',
        orgId: root.id,
        action: 'config.apply',
        object: config.source,
        outcome: 'ok',
        ip: null,
        requestId: null,
        detail: { config_sm3: configDigest(config), first_start: credentialsFile !== null },
      });
      hub.every(3_600_000, () => ensurePartitions(store.db));
      // Retention (audit.retention_days): expired entries, content, usage partitions; daily.
      const purge = retentionTask(
        {
          db: store.db,
          ledger: hub.ledger,
          trustedKeys: trusted,
          retentionDays: config.audit.retention_days,
          orgId: root.id,
        },
        log,
      );
      await purge();
      hub.every(86_400_000, purge);
      // An embedded database has one owner, and every change goes through this process (which
      // syncs at once), so only a shared server needs polling for other processes' changes.
      if (config.database_url) hub.every(config.sync_interval_ms, () => hub.sync());
      // Last: nothing after it can fail and leave a Redis connection open.
      await hub.limiter.start();
      return { hub, credentialsFile };
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  private every(ms: number, task: () => Promise<unknown>): void {
    const timer = setInterval(
      () => void task().catch((err: unknown) => this.log.warn({ err }, 'background task failed')),
      ms,
    );
    timer.unref();
    this.timers.push(timer);
  }

  /** Append a management action to the ledger; durable when the promise resolves. */
  async recordAction(action: ActionRecord): Promise<void> {
    await this.recorder.recordAction(action);
  }

  /**
   * Settle a finished call: its usage record and ledger entry are written (durably) first, then
   * every observer sees it. Rejects with audit_unavailable when the record cannot be written.
   */
  async settle(outcome: CallOutcome): Promise<void> {
    await this.recorder.recordCall(outcome);
    this.observe(outcome);
  }

  /** Hand a finished call to every observer; one failing observer never fails the call or the others. */
  private observe(outcome: CallOutcome): void {
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
        this.prices = await loadPrices(this.store.db);
        this.policies = await loadPolicies(this.store.db);
        this.guardPolicies = await loadGuardPolicies(this.store.db);
        this.limiter.setBook(await loadLimits(this.store.db));
        this.keys.clear();
        this.violations.clear();
        this.version = version;
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.syncing?.catch(() => {});
    await this.recorder.drain();
    await this.pools.close();
    await this.limiter.close();
    await this.store.close();
  }
}

/** The moderator from `safety`: the lexicon is read and compiled once, its coverage logged. */
function moderatorFor(config: Config, log: Logger): Moderator {
  const s = config.safety;
  let matcher = null;
  if (s.lexicon_file) {
    const file = s.lexicon_file;
    const lexicon = loadLexicon(file, s.max_gap);
    matcher = lexicon.matcher;
    const { total, ok, shortfalls } = lexicon.coverage;
    log.info({ file, terms: total, ...lexicon.matcher.stats }, 'content-safety lexicon loaded');
    if (lexicon.errors.length)
      log.warn(
        { file, count: lexicon.errors.length, first: lexicon.errors.slice(0, 10) },
        'lexicon records left out',
      );
    if (!ok)
      log.warn(
        { file, shortfalls },
        'the lexicon is below the GB/T 45654 keyword-library requirement',
      );
  }
  return new Moderator(matcher, {
    input: s.input,
    output: s.output,
    injection: s.injection,
    refusals: s.refusals,
  });
}
