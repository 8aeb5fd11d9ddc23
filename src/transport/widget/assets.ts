// /widget.js: the chat widget (widget/*.ts) bundled in memory with esbuild the first time it is asked for, then kept:
// minified, with a strong ETag and a precomputed gzip copy. No build step: `npm install && npm start` serves it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The widget's entry point; src/ and dist/ are both three levels below the checkout's root. */
export const WIDGET_ENTRY = fileURLToPath(new URL('../../../widget/main.ts', import.meta.url));

export type WidgetBundle = {
  code: Buffer;
  gzip: Buffer;
  /** Strong ETags of the plain and the gzipped bytes. */
  etag: string;
  gzipEtag: string;
  builtAt: Date;
};

/** Bundles the widget (an IIFE for any page, modern browsers); throws with esbuild's message when it cannot. */
export async function buildWidget(entry = WIDGET_ENTRY): Promise<WidgetBundle> {
  if (!fs.existsSync(entry)) throw new Error(`the widget's source is missing (${entry})`);
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    banner: { js: '/* Aisle chat widget */' },
  });
  const code = Buffer.from(result.outputFiles[0]!.contents);
  const hash = createHash('sha256').update(code).digest('base64url').slice(0, 22);
  return {
    code,
    gzip: gzipSync(code, { level: 9 }),
    etag: `"${hash}"`,
    gzipEtag: `"${hash}-gz"`,
    builtAt: new Date(),
  };
}

/** Builds once, on first use; a failed build is tried again on the next request. */
export function widgetAssets(entry = WIDGET_ENTRY) {
  let pending: Promise<WidgetBundle> | undefined;
  return {
    get(): Promise<WidgetBundle> {
      pending ??= buildWidget(entry).catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
  };
}

export type WidgetAssets = ReturnType<typeof widgetAssets>;
