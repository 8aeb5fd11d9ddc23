// The portal's front-end (portal/*.ts and portal/styles.css) bundled in memory with esbuild the first time it is
// asked for, as the widget is: minified, with strong ETags and precomputed gzip copies. No build step.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BuildOptions } from 'esbuild';

/** The portal's sources; src/ and dist/ are both two levels below the checkout's root. */
export const PORTAL_DIR = fileURLToPath(new URL('../../portal/', import.meta.url));

export type PortalAsset = {
  code: Buffer;
  gzip: Buffer;
  /** Strong ETags of the plain and the gzipped bytes. */
  etag: string;
  gzipEtag: string;
  /** A short content hash, for cache-busting URLs. */
  version: string;
};

export type PortalBundle = { js: PortalAsset; css: PortalAsset; builtAt: Date };

function asset(bytes: Uint8Array): PortalAsset {
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

/** Bundles the portal's script (an IIFE, modern browsers) and its style sheet; throws with esbuild's message. */
export async function buildPortal(dir = PORTAL_DIR): Promise<PortalBundle> {
  const entry = `${dir}main.ts`;
  const styles = `${dir}styles.css`;
  for (const f of [entry, styles]) {
    if (!fs.existsSync(f)) throw new Error(`the portal's source is missing (${f})`);
  }
  const { build } = await import('esbuild');
  const common = {
    bundle: true,
    write: false,
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  } satisfies BuildOptions;
  const [js, css] = await Promise.all([
    build({
      ...common,
      entryPoints: [entry],
      format: 'iife',
      platform: 'browser',
      banner: { js: '/* Aisle Portal */' },
    }),
    build({ ...common, entryPoints: [styles], loader: { '.css': 'css' } }),
  ]);
  return {
    js: asset(js.outputFiles[0]!.contents),
    css: asset(css.outputFiles[0]!.contents),
    builtAt: new Date(),
  };
}

/** Builds once, on first use; a failed build is tried again on the next request. */
export function portalAssets(dir = PORTAL_DIR) {
  let pending: Promise<PortalBundle> | undefined;
  return {
    get(): Promise<PortalBundle> {
      pending ??= buildPortal(dir).catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
  };
}

export type PortalAssets = ReturnType<typeof portalAssets>;
