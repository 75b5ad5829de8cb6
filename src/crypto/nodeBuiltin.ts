/** The built-ins the portable modules use where Node has them (types only: nothing is imported). */
type Builtins = {
  'node:os': typeof import('node:os')
  'node:module': typeof import('node:module')
  'node:url': typeof import('node:url')
  'node:worker_threads': typeof import('node:worker_threads')
}

/**
 * A Node built-in module when this code runs on Node, `undefined` in a browser. Through
 * `process.getBuiltinModule` (Node ≥ 20.16) rather than a static `node:` import, so that the
 * modules a browser also runs (the tree, note encryption, Poseidon, the primitives) bundle for
 * it without shims: each uses the Node module where there is one and its portable path where not.
 *
 * @example
 * const os = nodeBuiltin('node:os') // undefined in a browser
 * const threads = os?.availableParallelism() ?? 1
 */
export function nodeBuiltin<Id extends keyof Builtins>(id: Id): Builtins[Id] | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return process?.getBuiltinModule?.(id) as Builtins[Id] | undefined
}

/** Cores to spread work over: Node's count, a browser's `navigator.hardwareConcurrency`, else 1. */
export function availableCores(): number {
  return nodeBuiltin('node:os')?.availableParallelism() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1
}
