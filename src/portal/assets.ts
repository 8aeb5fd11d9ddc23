// The portal's front-end (portal/*.ts and portal/styles.css) bundled in memory with esbuild the first time it is
// asked for, as the widget is: minified, with strong ETags and precomputed gzip copies. No build step.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { buildOnce, staticAsset, type StaticAsset } from '../transport/static-bundle.js';

/** The portal's sources; src/ and dist/ are both two levels below the checkout's root. */
export const PORTAL_DIR = fileURLToPath(new URL('../../portal/', import.meta.url));

export type PortalBundle = { js: StaticAsset; css: StaticAsset; builtAt: Date };

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
    js: staticAsset(js.outputFiles[0]!.contents),
    css: staticAsset(css.outputFiles[0]!.contents),
    builtAt: new Date(),
  };
}

/** Built once, on first use (see buildOnce). */
export const portalAssets = (dir = PORTAL_DIR) => buildOnce(() => buildPortal(dir));

export type PortalAssets = ReturnType<typeof portalAssets>;
