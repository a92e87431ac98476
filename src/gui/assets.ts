// The browser app's files as served: the generated module's text, as bytes, by URL path.
import { EMBEDDED_ASSETS, EMBEDDED_GZIP_BYTES } from './assets.generated.js';
import type { Asset } from './local-server.js';

/** Every asset by URL path ("/", "/app.js", ...). */
export function embeddedAssets(): Map<string, Asset> {
  return new Map(EMBEDDED_ASSETS.map(([name, asset]) => [name, { type: asset.type, body: Buffer.from(asset.text, 'utf8') }]));
}

/** The assets' total size gzipped, measured when they were built. */
export const assetsGzipBytes = EMBEDDED_GZIP_BYTES;
