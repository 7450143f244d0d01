import { Option, type Command } from 'commander';
import { ZsError } from '../errors.js';
import { verifyBundle, type BundleVerifyResult } from '../ledger/bundle-verify.js';
import type { Manifest } from '../ledger/bundle.js';
import { parseSeq, parseTimeBound, type RangeInput } from '../ledger/range.js';
import type { PurgeResult } from '../ledger/retention.js';
import type { LedgerVerifyReport } from '../ledger/verify.js';
import type { WithOps } from './ops.js';
import { checked, printJson } from './output.js';

interface RangeOptions {
  from?: string;
  to?: string;
  fromSeq?: number;
  toSeq?: number;
}

/** --from/--to take times; --from-seq/--to-seq take sequence numbers. */
function rangeOptions(cmd: Command): Command {
  const when = (end: 'from' | 'to') =>
    checked((v) => {
      parseTimeBound(v, end);
      return v;
    });
  return cmd
    .option(
      '--from <when>',
      'start: a date (YYYY-MM-DD, a Shanghai day) or an ISO-8601 time',
      when('from'),
    )
    .option('--to <when>', 'end: a date (the whole day) or an ISO-8601 time', when('to'))
    .addOption(
      new Option('--from-seq <n>', 'start at this sequence number')
        .argParser(checked((v) => parseSeq(v, '--from-seq')))
        .conflicts('from'),
    )
    .addOption(
      new Option('--to-seq <n>', 'end at this sequence number')
        .argParser(checked((v) => parseSeq(v, '--to-seq')))
        .conflicts('to'),
    );
}

const rangeOf = (o: RangeOptions): RangeInput => ({
  from: o.from,
  to: o.to,
  fromSeq: o.fromSeq,
  toSeq: o.toSeq,
});

/** After printing the result: exit 1 with the problem on stderr. */
const notVerified = (what: string, bad: { seq: number | null; problem: string; line?: number }) =>
  new ZsError(
    409,
    'ledger_verify_failed',
    `${what} does not verify: ${bad.line !== undefined ? `line ${bad.line}, ` : ''}${
      bad.seq !== null ? `entry ${bad.seq} ` : ''
    }${bad.problem}`,
    'invalid_request_error',
  );

function printVerify(r: LedgerVerifyReport): void {
  const span = r.from_seq === null ? 'no entries' : `entries ${r.from_seq}–${r.to_seq}`;
  const anchor = r.anchor ? `, from ${r.anchor.source} ${r.anchor.seq}` : '';
  process.stdout.write(
    `${r.ok ? 'ok' : 'NOT OK'}: ${r.entries} entries checked (${span}${anchor}), ${r.checkpoints} checkpoints\n` +
      (r.first_bad ? `first problem: entry ${r.first_bad.seq} ${r.first_bad.problem}\n` : '') +
      `signing key ${r.key.key_id}: ${r.key.public_key}\n`,
  );
}

function printBundle(r: BundleVerifyResult): void {
  const span = r.from_seq === null ? 'no entries' : `entries ${r.from_seq}–${r.to_seq}`;
  process.stdout.write(
    `${r.ok ? 'ok' : 'NOT OK'}: ${r.bundle} (${r.encoding ?? '?'}), ${r.entries} entries (${span}), ${r.checkpoints} checkpoints\n` +
      `exported ${r.created_at ?? '?'} by ${r.exporter ?? '?'}\n` +
      `manifest key ${r.key.key_id ?? '?'} (${r.key.source === 'argument' ? 'the key given with --public-key' : 'named by the bundle itself: compare it with the hub’s key'})\n` +
      r.problems
        .map(
          (p) =>
            `problem: line ${p.line}${p.seq !== null ? `, entry ${p.seq}` : ''}: ${p.problem}${p.detail ? ` (${p.detail})` : ''}\n`,
        )
        .join(''),
  );
}

const exportSummary = (file: string, m: Manifest) => ({
  file,
  encoding: m.encoding,
  entries: m.counts.entries,
  checkpoints: m.counts.checkpoints,
  from_seq: m.range.from_seq,
  to_seq: m.range.to_seq,
  anchor: m.anchor && { seq: m.anchor.seq, source: m.anchor.source },
  entries_sm3: m.entries_sm3,
  created_at: m.created_at,
  exporter: m.exporter,
  key_id: m.key_id,
  public_key: m.public_key,
});

export function registerAuditCommands(program: Command, withOps: WithOps): void {
  const audit = program
    .command('audit')
    .description('the audit ledger: verify, export for an assessor, retention');

  rangeOptions(
    audit
      .command('verify')
      .description(
        'check the hash chain and signed checkpoints; with --bundle, check an exported bundle offline',
      ),
  )
    .option('--bundle <file>', 'an exported bundle to check (no database, hub or config needed)')
    .option(
      '--public-key <hex>',
      'with --bundle: the hub’s SM2 public key (from audit verify or export) to require',
      checked((v) => {
        if (!/^04[0-9a-f]{128}$/i.test(v))
          throw new Error('an SM2 public key is 130 hex characters starting with 04');
        return v.toLowerCase();
      }),
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        opts: RangeOptions & { bundle?: string; publicKey?: string; json?: boolean },
        cmd: Command,
      ) => {
        const ranged = [opts.from, opts.to, opts.fromSeq, opts.toSeq].some((v) => v !== undefined);
        if (opts.bundle) {
          if (ranged) cmd.error('error: --bundle checks the whole bundle; drop --from/--to');
          const result = await verifyBundle(opts.bundle, { publicKey: opts.publicKey });
          if (opts.json) printJson(result);
          else printBundle(result);
          if (!result.ok) throw notVerified('the bundle', result.first_bad!);
          return;
        }
        if (opts.publicKey) cmd.error('error: --public-key goes with --bundle');
        const result = await withOps(cmd, (ops) => ops.verifyLedger(rangeOf(opts)));
        if (opts.json) printJson(result);
        else printVerify(result);
        if (!result.ok) throw notVerified('the ledger', result.first_bad!);
      },
    );

  rangeOptions(
    audit
      .command('export')
      .description('write a signed bundle of ledger entries for an assessor (see docs/ledger.md)'),
  )
    .addOption(
      new Option('--format <format>', 'jsonl or csv (for spreadsheets)')
        .choices(['jsonl', 'csv'])
        .default('jsonl'),
    )
    .requiredOption('--out <file>', 'the bundle file to write')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        opts: RangeOptions & { format: 'jsonl' | 'csv'; out: string; json?: boolean },
        cmd: Command,
      ) => {
        const manifest = await withOps(cmd, (ops) =>
          ops.exportLedger({ range: rangeOf(opts), format: opts.format, out: opts.out }),
        );
        const summary = exportSummary(opts.out, manifest);
        if (opts.json) return printJson(summary);
        process.stdout.write(
          `wrote ${summary.entries} entries (${summary.from_seq ?? '-'}–${summary.to_seq ?? '-'}) to ${summary.file}\n` +
            `signed by key ${summary.key_id}: ${summary.public_key}\n`,
        );
      },
    );

  audit
    .command('purge')
    .description(
      'remove entries, call content and usage partitions older than audit.retention_days now (the hub does this daily)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const result: PurgeResult = await withOps(cmd, (ops) => ops.purgeLedger());
      if (opts.json) printJson(result);
      else
        process.stdout.write(
          `cutoff ${result.cutoff} (${result.retention_days} days): ${result.entries_removed} entries ` +
            `(through ${result.through_seq}), ${result.content_removed} sealed contents, ` +
            `${result.partitions_dropped.length} usage partitions removed${result.skipped ? ' (another purge was running)' : ''}\n`,
        );
      if (result.refused) throw notVerified('the ledger', result.refused);
    });
}
