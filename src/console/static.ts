import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../errors.js';

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Ant Design styles are generated at run time (inline <style>); scripts come only from the hub. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** The built console (console/dist) next to the package, wherever this file runs from. */
export function defaultConsoleDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir)
    dir = path.dirname(dir);
  return path.join(dir, 'console', 'dist');
}

/**
 * Read the whole build into memory once (about 2 MB), each file with its gzip form and ETag, so
 * serving the console costs no disk access and little CPU next to /v1.
 */
export function loadConsole(dir: string): Map<string, Asset> | null {
  if (!existsSync(path.join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = path.posix.join(sub, name);
      const full = path.join(dir, rel);
      if (statSync(full).isDirectory()) {
        walk(rel);
        continue;
      }
      const body = readFileSync(full);
      const ext = path.extname(name);
      const type = TYPES[ext] ?? 'application/octet-stream';
      const compressible =
        type.startsWith('text/') || type.includes('json') || type.includes('svg');
      assets.set(`/${rel}`, {
        body,
        gzip: compressible && body.length > 1024 ? gzipSync(body, { level: 9 }) : null,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        // Vite puts a content hash in every name under assets/: those never change.
        cacheControl: rel.startsWith('assets/')
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      });
    }
  };
  walk('');
  return assets;
}

/** Paths that belong to the APIs: never answered with the console page. */
const isApi = (url: string) =>
  url.startsWith('/api/') || url.startsWith('/v1/') || url === '/v1' || url === '/api';

/**
 * The console at `/`: its files, and index.html for any other GET a browser makes outside the
 * APIs (the console routes in the browser). Without a build, only a note saying so.
 */
export function consoleRoutes(assets: Map<string, Asset> | null) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset) => {
      void reply
        .headers(SECURITY_HEADERS)
        .header('cache-control', asset.cacheControl)
        .header('etag', asset.etag)
        .header('vary', 'accept-encoding')
        .type(asset.type);
      if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
      const gzip = asset.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
      if (gzip) void reply.header('content-encoding', 'gzip');
      return reply.send(gzip ? asset.gzip : asset.body);
    };
    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const url = request.url.split('?')[0] ?? '/';
      if (isApi(url)) throw notFound('route_not_found', `No route GET ${url}.`);
      if (!assets)
        return reply
          .type('text/plain; charset=utf-8')
          .send('The console is not built: run `npm run build` (it builds console/dist).\n');
      const file = assets.get(url);
      if (file) return send(request, reply, file);
      if (url.startsWith('/assets/')) throw notFound('route_not_found', `No file ${url}.`);
      return send(request, reply, assets.get('/index.html')!);
    });
  };
}
