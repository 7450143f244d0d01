import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zs-config-'));
function file(text: string): string {
  const p = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}
const load = (text: string, env: Record<string, string> = {}) =>
  loadConfig({ configPath: file(text), env, cwd: dir });
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

const SAMPLE = `
orgs:
  - code: gd
    name: 广东省政务服务和数据管理局
    children: [{ code: gd-gz, name: 广州市政务服务数据管理局 }]
endpoints:
  - name: local-vllm
    provider: openai-compatible
    base_url: http://127.0.0.1:8000/v1
    api_key_env: VLLM_API_KEY
    domain: gov-cloud
    models: [{ upstream: Qwen2.5-7B-Instruct, name: qwen2.5-7b }]
models:
  - name: qwen2.5-7b
    targets: [{ endpoint: local-vllm, weight: 1 }]
    fallback: []
`;

describe('configuration', () => {
  it('reads the documented minimum shape with defaults', () => {
    const config = load(SAMPLE, { VLLM_API_KEY: 'sk-local' });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.orgs[0]!.children![0]!.code).toBe('gd-gz');
    expect(config.upstreamKeys.get('local-vllm')).toBe('sk-local');
    expect(config.security.lockout_threshold).toBe(5);
    expect(config.security.idle_timeout_minutes).toBe(30);
  });

  it('lets ZS_* variables override any key, nested with __', () => {
    const config = load(SAMPLE, {
      VLLM_API_KEY: 'k',
      ZS_PORT: '9001',
      ZS_HOST: '0.0.0.0',
      ZS_DATA_DIR: '/var/lib/zhongshu',
      ZS_SECURITY__LOCKOUT_THRESHOLD: '3',
      ZS_ORGS: JSON.stringify([{ code: 'sz', name: '深圳' }]),
    });
    expect(config.port).toBe(9001);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('/var/lib/zhongshu');
    expect(config.security.lockout_threshold).toBe(3);
    expect(config.orgs.map((o) => o.code)).toEqual(['sz']);
  });

  it('rejects unknown keys, naming them', () => {
    expect(failure(() => load('prot: 8080\n'))).toMatch(/prot: unknown key/);
    expect(failure(() => load('security:\n  lockout: 3\n'))).toMatch(
      /security\.lockout: unknown key/,
    );
    expect(
      failure(() =>
        load(`${SAMPLE}\n`.replace('domain: gov-cloud', 'domain: gov-cloud\n    colour: red'), {
          VLLM_API_KEY: 'k',
        }),
      ),
    ).toMatch(/endpoints\.0\.colour: unknown key/);
  });

  it('rejects bad values, naming the key', () => {
    expect(failure(() => load('port: eighty\n'))).toMatch(/^ {2}port: /m);
    expect(failure(() => load('master_key: abc\n'))).toMatch(
      /master_key: must be 32 hexadecimal characters/,
    );
    expect(
      failure(() => load(SAMPLE.replace('gov-cloud', 'cloud'), { VLLM_API_KEY: 'k' })),
    ).toMatch(/endpoints\.0\.domain/);
    expect(
      failure(() => load(SAMPLE.replace('openai-compatible', 'openia'), { VLLM_API_KEY: 'k' })),
    ).toMatch(/endpoints\.0\.provider/);
  });

  it('rejects unknown ZS_ variables and malformed structured ones', () => {
    expect(failure(() => load('', { ZS_PROT: '1' }))).toMatch(/ZS_PROT: no configuration key prot/);
    expect(failure(() => load('', { ZS_ORGS: '[not json' }))).toMatch(/ZS_ORGS: must be JSON/);
  });

  it('requires the variable an endpoint names for its key', () => {
    expect(failure(() => load(SAMPLE))).toMatch(
      /endpoints\.local-vllm\.api_key_env: environment variable VLLM_API_KEY is not set/,
    );
  });

  it('checks references between models, endpoints and fallbacks', () => {
    const bad = SAMPLE.replace('endpoint: local-vllm', 'endpoint: nowhere').replace(
      'fallback: []',
      'fallback: [ghost]',
    );
    const message = failure(() => load(bad, { VLLM_API_KEY: 'k' }));
    expect(message).toMatch(/models\[0\]\.targets\[0\]\.endpoint: no endpoint named nowhere/);
    expect(message).toMatch(/models\[0\]\.fallback\[0\]: no model named ghost/);
    expect(
      failure(() =>
        load(SAMPLE.replace('name: qwen2.5-7b }', 'name: other }'), { VLLM_API_KEY: 'k' }),
      ),
    ).toMatch(/endpoint local-vllm declares no model named qwen2\.5-7b/);
    const dupes = `orgs: [{ code: a, name: A }, { code: a, name: B }]\n`;
    expect(failure(() => load(dupes))).toMatch(/duplicate organisation code a/);
  });

  it('reads content-safety settings and rejects refusals for unknown risks', () => {
    const config = load(
      `safety:\n  lexicon_file: lexicon.tsv\n  refusals: { A.1.g: 不实信息, A.2: 歧视, default: 不答 }\n`,
    );
    expect(config.safety.lexicon_file).toBe(path.join(dir, 'lexicon.tsv'));
    expect(config.safety.violations).toEqual({ consecutive: 3, per_day: 5, suspend_minutes: 1440 });
    expect(config.safety.max_gap).toBe(3);
    expect(failure(() => load('safety:\n  refusals: { A.9.z: 不答 }\n'))).toContain(
      'unknown risk "A.9.z"',
    );
    expect(failure(() => load('safety:\n  violations: { suspend_minutes: 0 }\n'))).toContain(
      'safety.violations.suspend_minutes',
    );
  });

  it('names a missing config file', () => {
    expect(
      failure(() => loadConfig({ configPath: '/nonexistent/zhongshu.yaml', env: {} })),
    ).toMatch(/cannot be read/);
  });
});
