import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { ConfigError, ZsError } from '../errors.js';
import { checkIpAllowList, parseExpiry } from '../identity/keys.js';
import { parseLimits } from '../limits/limits.js';
import { migrate, openStore } from '../store/index.js';
import { serve } from '../server/serve.js';
import { claimDataDir, openOps, type Ops } from './ops.js';
import { checked, EXIT, printJson, printTable } from './output.js';
import { registerUsageCommands } from './usage.js';
import { registerAuditCommands } from './audit.js';
import { registerLexiconCommands } from './lexicon.js';
import { CLEARANCES, parseClearance } from '../guard/levels.js';

interface Global {
  config?: string;
}

const configOf = (cmd: Command): Config =>
  loadConfig({ configPath: cmd.optsWithGlobals<Global>().config });

const split = (v?: string) =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Check an option while parsing but keep its text: the operation parses it again. */
const valid = (check: (value: string) => unknown) =>
  checked((value) => {
    check(value);
    return value;
  });

async function withOps<T>(cmd: Command, fn: (ops: Ops) => Promise<T>): Promise<T> {
  const ops = await openOps(configOf(cmd));
  try {
    return await fn(ops);
  } finally {
    await ops.close();
  }
}

export function buildCli(): Command {
  const program = new Command('zhongshu')
    .description('Zhongshu (中枢) government AI hub: OpenAI-compatible gateway and management')
    .option('-c, --config <file>', 'configuration file (default: $ZS_CONFIG)')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description(
      'run the hub (HTTP on host:port; embedded database under data_dir unless database_url is set)',
    )
    .action(async (_opts, cmd: Command) => {
      const hub = await serve(configOf(cmd));
      const stop = () => void hub.close().then(() => process.exit(EXIT.ok));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = configOf(cmd);
      // Embedded files have one owner: never open them under a running hub (data_dir_busy).
      const claim = claimDataDir(config);
      try {
        const store = await openStore({
          databaseUrl: config.database_url,
          dataDir: config.dataDir,
          migrate: false,
        });
        const applied = await migrate(store).finally(() => store.close());
        if (opts.json) printJson({ applied, store: store.kind });
        else process.stdout.write(`database is up to date (${store.kind})\n`);
      } finally {
        claim?.release();
      }
    });

  const keys = program.command('keys').description('API keys for departments');
  keys
    .command('create')
    .description('issue a key; it is printed once and stored only as a hash')
    .requiredOption('--org <code>', 'organisation the key belongs to')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--models <list>', 'comma-separated model allow-list (default: all models)')
    .option(
      '--ip-allow <list>',
      'comma-separated addresses or CIDR blocks the key may be used from',
      valid((v) => checkIpAllowList(split(v) ?? [])),
    )
    .option(
      '--expires <when>',
      'lifetime like 30d, 12h, 45m, or an ISO-8601 time',
      valid((v) => parseExpiry(v)),
    )
    .option(
      '--rpm <n>',
      'requests per minute for this key',
      valid((v) => parseLimits({ rpm: v })),
    )
    .option(
      '--tpm <n>',
      'tokens per minute for this key',
      valid((v) => parseLimits({ tpm: v })),
    )
    .option(
      '--monthly-tokens <n>',
      'tokens per calendar month (Asia/Shanghai) for this key',
      valid((v) => parseLimits({ monthly_tokens: v })),
    )
    .option(
      '--monthly-budget <cny>',
      'CNY per calendar month for this key, an exact decimal like 500 or 12.50',
      valid((v) => parseLimits({ monthly_budget: v })),
    )
    .option(
      '--data-level <level>',
      `default data level of this key's requests: ${CLEARANCES.join(', ')}`,
      valid(parseClearance),
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        opts: {
          org: string;
          name: string;
          dataLevel?: string;
          models?: string;
          ipAllow?: string;
          expires?: string;
          rpm?: string;
          tpm?: string;
          monthlyTokens?: string;
          monthlyBudget?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const created = await withOps(cmd, (ops) =>
          ops.createKey({
            org: opts.org,
            name: opts.name,
            models: split(opts.models),
            ipAllow: split(opts.ipAllow),
            expires: opts.expires,
            limits: {
              rpm: opts.rpm === undefined ? undefined : Number(opts.rpm),
              tpm: opts.tpm === undefined ? undefined : Number(opts.tpm),
              monthly_tokens:
                opts.monthlyTokens === undefined ? undefined : Number(opts.monthlyTokens),
              monthly_budget: opts.monthlyBudget,
            },
            dataLevel: opts.dataLevel,
          }),
        );
        if (opts.json) printJson(created);
        else
          process.stdout.write(
            `key ${created.id} for ${created.org} (shown once, store it now):\n${created.key}\n`,
          );
      },
    );
  keys
    .command('list')
    .description('list keys (metadata only)')
    .option('--org <code>', 'only this organisation and its subtree')
    .option('--json', 'print as JSON')
    .action(async (opts: { org?: string; json?: boolean }, cmd: Command) => {
      const rows = await withOps(cmd, (ops) => ops.listKeys(opts.org));
      if (opts.json) printJson(rows);
      else
        printTable(rows as unknown as Record<string, unknown>[], [
          'id',
          'org',
          'name',
          'prefix',
          'models',
          'expires_at',
          'revoked_at',
        ]);
    });
  keys
    .command('revoke')
    .description('revoke a key; every hub refuses it within a second')
    .argument('<id>', 'key id')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const info = await withOps(cmd, (ops) => ops.revokeKey(id));
      if (opts.json) printJson(info);
      else process.stdout.write(`revoked ${info.id} (${info.name})\n`);
    });

  program
    .command('orgs')
    .description('list the organisation tree')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const orgs = await withOps(cmd, (ops) => ops.listOrgs());
      if (opts.json) return printJson(orgs);
      const depth = (path: string) => path.split('/').length - 3;
      return printTable(
        orgs.map((o) => ({ ...o, code: '  '.repeat(depth(o.path)) + o.code })),
        ['code', 'name', 'kind'],
      );
    });

  program
    .command('models')
    .description('list public models and their targets')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const models = await withOps(cmd, (ops) => ops.listModels());
      if (opts.json) return printJson(models);
      return printTable(
        models.map((m) => ({
          name: m.name,
          targets: m.targets.map((t) => `${t.endpoint}×${t.weight}`),
          fallback: m.fallback,
        })),
        ['name', 'targets', 'fallback'],
      );
    });

  registerUsageCommands(program, withOps);
  registerAuditCommands(program, withOps);
  registerLexiconCommands(program);
  program.addOption(new Option('--no-color').hideHelp());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`zhongshu: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof ZsError) {
      process.stderr.write(`zhongshu: ${err.message} (${err.code})\n`);
      return EXIT.failure;
    }
    process.stderr.write(`zhongshu: ${(err as Error).message}\n`);
    return EXIT.failure;
  }
}
