/**
 * The floor: a minimal pass-through proxy (node:http + an undici keep-alive pool, no auth, no
 * parsing) in its own process. What one extra Node hop costs on this machine, whatever the
 * gateway does. Prints `{"url": …}` when listening. Usage: node --import tsx floor.ts <upstream /v1 URL>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstream = new URL(process.argv[2] ?? 'http://127.0.0.1:9000/v1');
const pool = new Pool(upstream.origin, { connections: 256, keepAliveTimeout: 30_000 });
const basePath = upstream.pathname.replace(/\/+$/, '');

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    pool
      .request({
        method: 'POST',
        path: basePath + (req.url ?? '').replace(/^\/v1/, ''),
        headers: {
          'content-type': 'application/json',
          authorization: req.headers.authorization ?? '',
        },
        body: Buffer.concat(parts),
      })
      .then(async (up) => {
        res.writeHead(up.statusCode, {
          'content-type': String(up.headers['content-type'] ?? 'application/json'),
        });
        for await (const chunk of up.body) res.write(chunk);
        res.end();
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/v1` })}\n`);
});
const stop = () => void pool.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
