// Types of scripts/buildWeb.mjs for the TypeScript that imports it (the browser benchmark).
import type { BuildOptions } from 'esbuild'

/**
 * The esbuild options of every zkpay browser bundle (see buildWeb.mjs).
 *
 * @example
 * const page = await esbuild.build({ ...browserBuildOptions, entryPoints: ['bench/browserRestore.page.ts'], write: false })
 */
export declare const browserBuildOptions: BuildOptions & { absWorkingDir: string }

/**
 * Bundles zkpay's browser entries into dist/web/; resolves to each bundle's size.
 *
 * @example
 * const sizes = await buildWeb() // dist/web/prover.worker.js, dist/web/app.js, …
 */
export declare function buildWeb(): Promise<{ file: string; bytes: number; gzipBytes: number }[]>
