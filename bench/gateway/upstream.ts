/**
 * The OpenAI-compatible upstream double in its own process, shared by direct, hub and peer runs.
 * Prints one JSON line `{"url": "http://127.0.0.1:<port>/v1"}` when listening; stops on SIGTERM.
 * Usage: node --import tsx bench/gateway/upstream.ts [chunkDelayMs]
 */
import { startUpstream } from '../../test/support/upstream-double.js';

const chunkDelayMs = Number(process.argv[2] ?? '5');
const double = await startUpstream({ name: 'bench', chunkDelayMs, record: false });
process.stdout.write(`${JSON.stringify({ url: double.url, chunkDelayMs })}\n`);

const stop = () => void double.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
