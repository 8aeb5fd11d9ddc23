// /widget.js: the chat widget (widget/*.ts) bundled in memory with esbuild the first time it is asked for, then kept:
// minified, with a strong ETag and a precomputed gzip copy. No build step: `npm install && npm start` serves it.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOnce, staticAsset, type StaticAsset } from '../static-bundle.js';

/** The widget's entry point; src/ and dist/ are both three levels below the checkout's root. */
export const WIDGET_ENTRY = fileURLToPath(new URL('../../../widget/main.ts', import.meta.url));

export type WidgetBundle = StaticAsset & { builtAt: Date };

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
  return { ...staticAsset(result.outputFiles[0]!.contents), builtAt: new Date() };
}

/** Built once, on first use (see buildOnce). */
export const widgetAssets = (entry = WIDGET_ENTRY) => buildOnce(() => buildWidget(entry));

export type WidgetAssets = ReturnType<typeof widgetAssets>;
