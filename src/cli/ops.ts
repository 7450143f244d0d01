import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { loadMasterKey } from '../crypto/master-key.js';
import { Sealer } from '../crypto/sm.js';
import { ZsError, type ErrorType } from '../errors.js';
import { createKey, listKeys, revokeKey, type KeyInfo, type NewKey } from '../identity/keys.js';
import { applyOrgTree, ensureRootOrg, listOrgs, type OrgView } from '../identity/orgs.js';
import { operatorPrincipal } from '../identity/principal.js';
import { audited } from '../ledger/audited.js';
import { applyGuardPolicies } from '../guard/policy.js';
import { applyPolicies } from '../ledger/policy.js';
import { applyPrices } from '../metering/prices.js';
import { monthlyBill, type Bill } from '../metering/bills.js';
import {
  usageQueryString,
  usageReport,
  type UsageInput,
  type UsageReport,
} from '../metering/query.js';
import { Ledger } from '../ledger/ledger.js';
import { loadSigner } from '../ledger/signer.js';
import { directAuditOps, remoteAuditOps, type AuditOps } from './audit-ops.js';
import type { ActionRecord } from '../metering/recorder.js';
import { applyRegistry } from '../registry/apply.js';
import { loadRegistry } from '../registry/snapshot.js';
import { modelView, type ModelView } from '../registry/view.js';
import { claimOwner, readOwner, type OwnerInfo } from '../server/lock.js';
import { openStore, schema, type Store } from '../store/index.js';

/** Runs `fn` with the command's Ops (a running hub's API, or the database), then closes them. */
export type WithOps = <T>(cmd: Command, fn: (ops: Ops) => Promise<T>) => Promise<T>;

/** What the CLI can do, whether it talks to a running hub or opens the database itself. */
export interface Ops {
  mode: 'hub' | 'direct';
  createKey(input: NewKey): Promise<KeyInfo & { key: string }>;
  listKeys(org?: string): Promise<KeyInfo[]>;
  revokeKey(id: string): Promise<KeyInfo>;
  listOrgs(): Promise<OrgView[]>;
  listModels(): Promise<ModelView[]>;
  usage(input: UsageInput): Promise<UsageReport>;
  bill(org: string, month: string): Promise<Bill>;
  verifyLedger: AuditOps['verifyLedger'];
  exportLedger: AuditOps['exportLedger'];
  purgeLedger: AuditOps['purgeLedger'];
  close(): Promise<void>;
}

/**
 * Embedded mode with a live hub on the same data directory: ask the hub over HTTP with its
 * operator token (the database has one owner). Otherwise open the database directly; with a
 * PostgreSQL server every hub notices the change within its sync interval.
 */
export async function openOps(config: Config): Promise<Ops> {
  const owner = config.database_url ? null : readOwner(config.dataDir);
  if (owner?.kind === 'hub' && owner.url && owner.token) return remoteOps(owner.url, owner.token);
  if (owner) throw busy(owner);
  return directOps(config);
}

const busy = (owner: OwnerInfo | null) =>
  new ZsError(
    409,
    'data_dir_busy',
    `data directory is in use by ${owner ? `${owner.kind} process ${owner.pid}` : 'another process'}`,
    'server_error',
  );

/**
 * Embedded mode: the CLI becomes the database's one owner for the command (creating the data
 * directory on first use), or fails with data_dir_busy. Server mode needs no claim (null).
 */
export function claimDataDir(config: Config): { release(): void } | null {
  if (config.database_url) return null;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const claim = claimOwner(config.dataDir, 'cli');
  if (!claim) throw busy(readOwner(config.dataDir));
  return claim;
}

/** Open the database and apply the config as a hub start would; on failure, close and release. */
async function openDirect(config: Config, claim: { release(): void } | null) {
  let store: Store | null = null;
  try {
    const sealer = new Sealer(loadMasterKey({ ...config, embedded: !config.database_url }));
    store = await openStore({ databaseUrl: config.database_url, dataDir: config.dataDir });
    const root = await ensureRootOrg(store.db, config.root_org);
    await applyOrgTree(store.db, root, config.orgs);
    await applyRegistry(store.db, config, sealer);
    await applyPrices(store.db, config);
    await applyPolicies(store.db, config);
    await applyGuardPolicies(store.db, config);
    return { store, root, sealer };
  } catch (err) {
    await store?.close();
    claim?.release();
    throw err;
  }
}

async function directOps(config: Config): Promise<Ops> {
  const claim = claimDataDir(config);
  const { store, root, sealer } = await openDirect(config, claim);
  const principal = operatorPrincipal(root);
  const knownModels = async () =>
    new Set(
      (await store.db.select({ name: schema.models.name }).from(schema.models)).map((m) => m.name),
    );
  // Changes made here are audited like the hub's own: the ledger is in the same database.
  const { signer, trusted } = await loadSigner(store.db, sealer, config.audit.signing_key_file);
  const ledger = new Ledger(store.db, signer, config.audit.checkpoint_every);
  const act = (action: string, object: string | null) => ({
    record: (a: ActionRecord) => ledger.append([{ ...a, at: new Date() }]),
    ip: null,
    requestId: null,
    actor: principal,
    action,
    object,
  });
  return {
    mode: 'direct',
    async createKey(input) {
      const models = await knownModels();
      const { info, key } = await audited(
        act('key.create', input.org),
        () => createKey(store.db, principal, input, models),
        (c) => ({ key_id: c.info.id, name: c.info.name, prefix: c.info.prefix }),
      );
      return { ...info, key };
    },
    listKeys: (org) => listKeys(store.db, principal, org),
    revokeKey: (id) => audited(act('key.revoke', id), () => revokeKey(store.db, principal, id)),
    listOrgs: () => listOrgs(store.db, principal),
    // The same view as the hub's GET /api/v1/models, so --json has one shape in both modes.
    listModels: async () => {
      const noTimeouts = { connectMs: 0, firstByteMs: 0, totalMs: 0 };
      const { models } = await loadRegistry(store.db, sealer, noTimeouts);
      return [...models.values()].map(modelView);
    },
    usage: (input) => usageReport(store.db, principal, input),
    bill: (org, month) => monthlyBill(store.db, principal, { org, month }),
    ...directAuditOps({
      db: store.db,
      ledger,
      signer,
      trusted,
      principal,
      retentionDays: config.audit.retention_days,
      rootId: root.id,
      record: (a) => ledger.append([{ ...a, at: new Date() }]),
    }),
    async close() {
      await store.close();
      claim?.release();
    },
  };
}

function remoteOps(url: string, token: string): Ops {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : null,
    });
    const json = (await res.json()) as T & {
      error?: { message: string; code: string; type: ErrorType };
    };
    if (!res.ok) {
      const e = json.error;
      throw new ZsError(
        res.status,
        e?.code ?? 'hub_error',
        e?.message ?? `hub answered HTTP ${res.status}`,
        e?.type ?? 'server_error',
      );
    }
    return json;
  };
  return {
    mode: 'hub',
    createKey: (input) =>
      call('POST', '/api/v1/keys', {
        org: input.org,
        name: input.name,
        models: input.models,
        ip_allow: input.ipAllow,
        expires: input.expires,
        limits: input.limits,
      }),
    listKeys: async (org) =>
      (
        await call<{ data: KeyInfo[] }>(
          'GET',
          `/api/v1/keys${org ? `?org=${encodeURIComponent(org)}` : ''}`,
        )
      ).data,
    revokeKey: (id) => call('DELETE', `/api/v1/keys/${encodeURIComponent(id)}`),
    listOrgs: async () => (await call<{ data: OrgView[] }>('GET', '/api/v1/orgs')).data,
    listModels: async () => (await call<{ data: ModelView[] }>('GET', '/api/v1/models')).data,
    usage: (input) => call('GET', `/api/v1/usage${usageQueryString(input)}`),
    bill: (org, month) =>
      call('GET', `/api/v1/bills/${encodeURIComponent(month)}?org=${encodeURIComponent(org)}`),
    ...remoteAuditOps(url, token, call),
    close: async () => {},
  };
}
