import { getCurveFromName } from 'ffjavascript'
import { terminateMsmPool } from './msmPool.ts'

// ffjavascript ships no types; its curve object is used as snarkjs uses it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Curve = any

let building: Promise<Curve> | undefined

/**
 * ffjavascript's shared multi-threaded bn128 curve (the one snarkjs uses), built once.
 * `getCurveFromName` caches the curve only when a build finishes, so callers that ask at the
 * same moment (a burst of admissions) would each build one, with its own worker threads;
 * here they share the build in progress.
 */
export function bn128(): Promise<Curve> {
  const ready = (globalThis as { curve_bn128?: Curve }).curve_bn128
  if (ready) return Promise.resolve(ready)
  building ??= getCurveFromName('bn128').finally(() => {
    building = undefined
  })
  return building
}

/** Stops the shared curve's worker threads (and its multi-exponentiation pool's) so that Node can exit; `bn128()` builds it again. */
export async function terminateCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } }
  const curve = g.curve_bn128 ?? (await building)
  g.curve_bn128 = undefined
  if (curve) terminateMsmPool(curve)
  await curve?.terminate()
}
