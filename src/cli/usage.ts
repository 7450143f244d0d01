import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { billCsv, billXlsx, type Bill } from '../metering/bills.js';
import {
  parseDay,
  parseGroups,
  parseMonth,
  parseRange,
  type UsageReport,
  type UsageRow,
} from '../metering/query.js';
import type { WithOps } from './ops.js';
import { checked, printJson, printTable } from './output.js';

const TOTAL_COLUMNS = [
  'requests',
  'errors',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'total_tokens',
  'cost',
];
const LABELS: Record<string, string[]> = {
  model: ['model'],
  org: ['org', 'org_name'],
  day: ['day'],
  month: ['month'],
  key: ['key_name', 'key_prefix', 'org'],
};

function printUsage(report: UsageReport): void {
  const t = report.totals;
  process.stdout.write(
    `${report.org.code} ${report.org.name}, ${report.from} – ${report.to}\n` +
      `${TOTAL_COLUMNS.map((c) => `${c} ${t[c as keyof typeof t]}`).join('  ')}\n`,
  );
  for (const [group, rows] of Object.entries(report.breakdowns)) {
    process.stdout.write(`\nby ${group}\n`);
    printTable(rows as (UsageRow & Record<string, unknown>)[], [
      ...(LABELS[group] ?? []),
      ...TOTAL_COLUMNS,
    ]);
  }
}

function printBill(bill: Bill): void {
  process.stdout.write(`${bill.org.code} ${bill.org.name}, ${bill.month} (CNY)\n`);
  printTable(bill.lines as unknown as Record<string, unknown>[], [
    'org',
    'model',
    'price_from',
    'requests',
    'prompt_tokens',
    'cached_tokens',
    'completion_tokens',
    'amount_rounded',
    'note',
  ]);
  process.stdout.write(
    `total ${bill.total.amount_rounded} (exact ${bill.total.amount}; charged at call time ${bill.recorded_cost})\n`,
  );
}

const FORMATS = ['json', 'csv', 'xlsx'] as const;
type Format = (typeof FORMATS)[number];

/** `usage` and `bill`: reports from the daily rollup and monthly bills, through the hub or not. */
export function registerUsageCommands(program: Command, withOps: WithOps): void {
  program
    .command('usage')
    .description('usage and cost of an organisation and everything below it')
    .requiredOption('--org <code>', 'organisation (its subtree is included)')
    .option(
      '--from <day>',
      'first Shanghai day, YYYY-MM-DD or YYYY-MM (default: this month)',
      checked((v) => (parseDay(v, 'start', 'from'), v)),
    )
    .option(
      '--to <day>',
      'last Shanghai day, YYYY-MM-DD or YYYY-MM, inclusive',
      checked((v) => (parseDay(v, 'end', 'to'), v)),
    )
    .option(
      '--by <groups>',
      'comma-separated breakdowns: model, org, day, month, key (default: model,org,day)',
      checked(parseGroups),
    )
    .option('--json', 'print as JSON')
    .action(
      async (
        opts: {
          org: string;
          from?: string;
          to?: string;
          by?: ReturnType<typeof parseGroups>;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        try {
          parseRange(opts.from, opts.to);
        } catch (err) {
          cmd.error(`error: ${(err as Error).message}`);
        }
        const report = await withOps(cmd, (ops) =>
          ops.usage({ org: opts.org, from: opts.from, to: opts.to, groupBy: opts.by }),
        );
        if (opts.json) printJson(report);
        else printUsage(report);
      },
    );

  program
    .command('bill')
    .description('the monthly bill of an organisation and everything below it, at catalog prices')
    .requiredOption('--org <code>', 'organisation (its subtree is included)')
    .requiredOption(
      '--month <YYYY-MM>',
      'the month (Asia/Shanghai)',
      checked((v) => (parseMonth(v), v)),
    )
    .addOption(
      new Option(
        '--format <format>',
        'json, csv or xlsx (default: from --out, else a table)',
      ).choices(FORMATS),
    )
    .option('--out <file>', 'write the bill to this file instead of stdout')
    .option('--json', 'print as JSON (the same as --format json)')
    .action(
      async (
        opts: { org: string; month: string; format?: Format; out?: string; json?: boolean },
        cmd: Command,
      ) => {
        const byName = opts.out && /\.(json|csv|xlsx)$/i.exec(opts.out)?.[1]?.toLowerCase();
        const format = opts.format ?? (opts.json ? 'json' : (byName as Format | undefined));
        if (format === 'xlsx' && !opts.out && process.stdout.isTTY)
          cmd.error('error: an XLSX workbook is binary; use --out <file> or redirect stdout');
        const bill = await withOps(cmd, (ops) => ops.bill(opts.org, opts.month));
        if (!format && !opts.out) return printBill(bill);
        const body =
          format === 'csv'
            ? billCsv(bill)
            : format === 'xlsx'
              ? await billXlsx(bill)
              : `${JSON.stringify(bill, null, 2)}\n`;
        if (!opts.out) return void process.stdout.write(body);
        writeFileSync(opts.out, body);
        process.stdout.write(
          `wrote ${opts.out}: ${bill.lines.length} lines, total ${bill.total.amount_rounded} CNY\n`,
        );
      },
    );
}
