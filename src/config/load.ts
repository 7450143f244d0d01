import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type RawConfig } from './schema.js';
import { DOMAIN_CLEARANCE, rank } from '../guard/levels.js';

export interface Config extends RawConfig {
  /** Absolute path of the data directory. */
  dataDir: string;
  /** Where the config came from, for messages. */
  source: string | null;
  /** Upstream API keys resolved from each endpoint's `api_key_env`, by endpoint name. */
  upstreamKeys: ReadonlyMap<string, string>;
  /** The OIDC client secret from `oidc.client_secret_env`, if any. */
  oidcClientSecret: string | null;
}

export interface LoadOptions {
  /** `--config` from the command line; wins over ZS_CONFIG. */
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const ENV_PREFIX = 'ZS_';
/** Variables read by the hub that are not config keys. */
const NON_KEY_VARS = new Set(['ZS_CONFIG']);

/**
 * Parse and validate the configuration once: file, then `ZS_*` variables over it. Every problem
 * is reported with the key (or variable) it concerns, and nothing starts with a bad config.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.configPath ?? env.ZS_CONFIG;
  const raw: Record<string, unknown> = file ? readConfigFile(path.resolve(cwd, file)) : {};
  applyEnvOverrides(raw, env);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, file));
  const config = parsed.data;
  checkReferences(config);

  const upstreamKeys = new Map<string, string>();
  for (const endpoint of config.endpoints) {
    if (!endpoint.api_key_env) continue;
    const value = env[endpoint.api_key_env];
    if (!value) {
      throw new ConfigError(
        `endpoints.${endpoint.name}.api_key_env: environment variable ${endpoint.api_key_env} is not set`,
      );
    }
    upstreamKeys.set(endpoint.name, value);
  }
  let oidcClientSecret: string | null = null;
  const secretEnv = config.oidc?.client_secret_env;
  if (secretEnv) {
    oidcClientSecret = env[secretEnv] ?? null;
    if (!oidcClientSecret)
      throw new ConfigError(`oidc.client_secret_env: environment variable ${secretEnv} is not set`);
  }
  return {
    ...config,
    oidcClientSecret,
    dataDir: path.resolve(cwd, config.data_dir),
    safety: {
      ...config.safety,
      lexicon_file: config.safety.lexicon_file && path.resolve(cwd, config.safety.lexicon_file),
    },
    source: file ? path.resolve(cwd, file) : null,
    upstreamKeys,
  };
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`config file ${file} cannot be read`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${file} must be a mapping of keys`);
  }
  return doc as Record<string, unknown>;
}

/**
 * `ZS_SECURITY__LOCKOUT_THRESHOLD=3` sets `security.lockout_threshold`. Scalars stay strings and
 * the schema coerces them; lists and mappings (e.g. `ZS_ORGS`) are given as JSON.
 */
function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NON_KEY_VARS.has(name) || value === undefined) continue;
    const keyPath = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    const target = schemaAt(keyPath);
    if (!target) throw new ConfigError(`${name}: no configuration key ${keyPath.join('.')}`);
    let parsedValue: unknown = value;
    if (target === 'structured') {
      try {
        parsedValue = JSON.parse(value);
      } catch {
        throw new ConfigError(`${name}: must be JSON (a list or mapping)`);
      }
    }
    setPath(raw, keyPath, parsedValue);
  }
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.core.$ZodType };
    if ((def.type === 'optional' || def.type === 'default') && def.innerType) {
      current = def.innerType;
    } else {
      return current;
    }
  }
}

function schemaAt(keyPath: string[]): 'scalar' | 'structured' | null {
  let current: z.core.$ZodType = configSchema;
  for (const key of keyPath) {
    const def = unwrap(current)._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
    };
    const next = def.type === 'object' ? def.shape?.[key] : undefined;
    if (!next) return null;
    current = next;
  }
  const type = (unwrap(current)._zod.def as { type: string }).type;
  return type === 'array' || type === 'object' ? 'structured' : 'scalar';
}

function setPath(target: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node = target;
  keyPath.forEach((key, i) => {
    if (i === keyPath.length - 1) {
      node[key] = value;
      return;
    }
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
}

function formatIssues(error: z.ZodError, file: string | undefined): string {
  const where = file ? ` in ${file}` : '';
  const lines = error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (issue.path.length ? `${key}.${k}` : k));
      return `  ${keys.join(', ')}: unknown key`;
    }
    return `  ${key}: ${issue.message}`;
  });
  return `invalid configuration${where}:\n${lines.join('\n')}`;
}

/** Cross-references the schema alone cannot check: unique names, targets and fallbacks that exist. */
function checkReferences(config: RawConfig): void {
  const problems: string[] = [];
  const seenOrgs = new Set<string>([config.root_org.code]);
  const walk = (orgs: RawConfig['orgs'], at: string): void =>
    orgs.forEach((org, i) => {
      if (seenOrgs.has(org.code))
        problems.push(`${at}[${i}].code: duplicate organisation code ${org.code}`);
      seenOrgs.add(org.code);
      walk(org.children ?? [], `${at}[${i}].children`);
    });
  walk(config.orgs, 'orgs');

  const endpoints = new Map(config.endpoints.map((e) => [e.name, e]));
  if (endpoints.size !== config.endpoints.length)
    problems.push('endpoints: duplicate endpoint name');
  config.endpoints.forEach((e, i) => {
    const ceiling = DOMAIN_CLEARANCE[e.domain];
    if (e.clearance && rank(e.clearance) > rank(ceiling))
      problems.push(
        `endpoints[${i}].clearance: ${e.clearance} is above what the ${e.domain} domain allows (${ceiling}); a clearance can only be tightened`,
      );
  });
  const models = new Set(config.models.map((m) => m.name));
  if (models.size !== config.models.length) problems.push('models: duplicate model name');

  config.models.forEach((model, i) => {
    model.targets.forEach((target, j) => {
      const endpoint = endpoints.get(target.endpoint);
      const at = `models[${i}].targets[${j}]`;
      if (!endpoint) problems.push(`${at}.endpoint: no endpoint named ${target.endpoint}`);
      else if (
        !target.model &&
        endpoint.models.length > 0 &&
        !endpoint.models.some((m) => m.name === model.name)
      ) {
        problems.push(
          `${at}: endpoint ${endpoint.name} declares no model named ${model.name}; add it to its models or set target.model`,
        );
      }
    });
    model.fallback.forEach((name, j) => {
      if (name === model.name)
        problems.push(`models[${i}].fallback[${j}]: a model cannot fall back to itself`);
      else if (!models.has(name))
        problems.push(`models[${i}].fallback[${j}]: no model named ${name}`);
    });
    const days = model.prices.map((p) => p.from);
    if (new Set(days).size !== days.length)
      problems.push(`models[${i}].prices: two prices take effect on the same day`);
  });
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}
