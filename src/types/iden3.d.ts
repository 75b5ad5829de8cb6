// @iden3/binfileutils and circom_runtime ship no types; only what zkpay uses is declared.
declare module '@iden3/binfileutils' {
  export function readBinFile(file: string | { type: 'mem'; data: Uint8Array }, type: string, maxVersion: number): Promise<{ fd: { close(): Promise<void> }; sections: unknown }>
  export function readSection(fd: unknown, sections: unknown, id: number): Promise<any>
}
declare module 'circom_runtime' {
  export function WitnessCalculatorBuilder(code: Uint8Array): Promise<{ calculateWitness(input: unknown, sanityCheck: boolean): Promise<bigint[]> }>
}
// wasmcurves and wasmbuilder (ffjavascript's own dependencies) build the bn128 wasm module that
// msmPool.ts's workers run, the same module ffjavascript's threads run.
declare module 'wasmcurves' {
  export function buildBn128(builder: unknown): void
}
declare module 'wasmbuilder' {
  export class ModuleBuilder {
    setMemory(pages: number): void
    build(): Uint8Array
  }
}
// web-worker (ffjavascript's too): the browser's Worker, or one on Node's worker_threads. Its own
// index.d.ts is not reachable through its package.json "exports".
declare module 'web-worker' {
  const WebWorker: { new (url: string | URL, options?: WorkerOptions): Worker }
  export default WebWorker
}
