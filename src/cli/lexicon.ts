import type { Command } from 'commander';
import { conflict } from '../errors.js';
import { loadLexicon } from '../guard/moderation.js';
import { RISKS } from '../guard/safety/index.js';
import { checked, printJson, printTable } from './output.js';

/**
 * `zhongshu lexicon check FILE`: what the hub would load from a keyword library, before it is
 * deployed (the weekly update of TC260-003 is the operator's process). Exits 1 when a record is
 * bad or the library falls short of the requirement, 2 when the file cannot be read.
 */
export function registerLexiconCommands(program: Command): void {
  const lexicon = program
    .command('lexicon')
    .description('the content-safety keyword library (docs/content-safety.md)');
  lexicon
    .command('check <file>')
    .description(
      'parse a library (TSV, CSV or JSONL) and report bad records and coverage per Annex A risk',
    )
    .option(
      '--max-gap <n>',
      'skippable characters between two characters of a term (0-3, as safety.max_gap)',
      checked(maxGap),
      3,
    )
    .option('--json', 'print the report as JSON')
    .action((file: string, opts: { maxGap: number; json?: boolean }) => {
      const { matcher, coverage, errors } = loadLexicon(file, opts.maxGap);
      const report = {
        file,
        terms: coverage.total,
        ok: coverage.ok && errors.length === 0,
        shortfalls: coverage.shortfalls,
        errors,
        per_risk: coverage.perRisk,
        hold_limit: matcher.stats.holdLimit,
      };
      if (opts.json) printJson(report);
      else {
        process.stdout.write(
          `${file}: ${report.terms} distinct terms, ${errors.length} bad records\n`,
        );
        printTable(
          RISKS.map((r) => ({ risk: r.id, name: r.name, terms: coverage.perRisk[r.id] ?? 0 })),
          ['risk', 'terms', 'name'],
        );
        for (const e of errors.slice(0, 20)) process.stdout.write(`line ${e.line}: ${e.message}\n`);
        for (const s of coverage.shortfalls) process.stdout.write(`short: ${s}\n`);
      }
      if (!report.ok)
        throw conflict(
          'lexicon_not_ok',
          errors.length
            ? `${errors.length} bad records in ${file}`
            : `${file} falls short of the keyword-library requirement`,
        );
    });
}

function maxGap(value: string): number {
  const n = Number(value);
  if (!/^[0-3]$/.test(value)) throw new Error(`--max-gap must be 0, 1, 2 or 3, not ${value}`);
  return n;
}
