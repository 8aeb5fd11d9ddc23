// Front-end bundles (the chat widget, the portal) are built in memory with esbuild on first use and kept: their bytes
// with strong ETags and a precomputed gzip copy.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export type StaticAsset = {
  code: Buffer;
  gzip: Buffer;
  /** Strong ETags of the plain and the gzipped bytes. */
  etag: string;
  gzipEtag: string;
  /** A short content hash, for cache-busting URLs. */
  version: string;
};

export function staticAsset(bytes: Uint8Array): StaticAsset {
  const code = Buffer.from(bytes);
  const hash = createHash('sha256').update(code).digest('base64url').slice(0, 22);
  return {
    code,
    gzip: gzipSync(code, { level: 9 }),
    etag: `"${hash}"`,
    gzipEtag: `"${hash}-gz"`,
    version: hash.slice(0, 12),
  };
}

/** Builds once, on first use; a failed build is tried again on the next request. */
export function buildOnce<T>(build: () => Promise<T>): { get(): Promise<T> } {
  let pending: Promise<T> | undefined;
  return {
    get(): Promise<T> {
      pending ??= build().catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
  };
}
