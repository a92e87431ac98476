// The browser app's files as served: the generated module's text, as bytes, by URL path.
import { EMBEDDED_ADMIN_ASSETS, EMBEDDED_ASSETS, EMBEDDED_GZIP_BYTES } from './assets.generated.js';
import type { Asset } from './local-server.js';

function assetMap(assets: typeof EMBEDDED_ASSETS): Map<string, Asset> {
  return new Map(assets.map(([name, asset]) => [name, { type: asset.type, body: Buffer.from(asset.text, 'utf8') }]));
}

/** Every asset of the chat app by URL path ("/index.html", "/app.js", ...). */
export function embeddedAssets(): Map<string, Asset> {
  return assetMap(EMBEDDED_ASSETS);
}

/** The admin pages' assets (the dashboard and the root console), by URL path. */
export function embeddedAdminAssets(): Map<string, Asset> {
  return assetMap(EMBEDDED_ADMIN_ASSETS);
}

/** Both apps' assets' total size gzipped, measured when they were built. */
export const assetsGzipBytes = EMBEDDED_GZIP_BYTES;
