// circomlibjs ships no types; only what zkpay uses is declared.
declare module 'circomlibjs' {
  export type WasmPoseidon = ((inputs: bigint[] | Uint8Array) => Uint8Array) & {
    F: { e(x: bigint): Uint8Array; toObject(x: Uint8Array): bigint }
  }
  export function buildPoseidon(): Promise<WasmPoseidon>
  export function buildPoseidonWasm(module: unknown): void
}
declare module 'ffjavascript' {
  export function getCurveFromName(name: string, singleThread?: boolean, plugins?: (module: unknown) => void): Promise<any>
}
