// snarkjs ships no types; only what zkpay uses is declared.
declare module 'snarkjs' {
  export type Groth16Proof = {
    pi_a: string[]
    pi_b: string[][]
    pi_c: string[]
    protocol: string
    curve: string
  }
  export type WitnessOutput = { type: 'mem'; data?: Uint8Array } | string
  export const groth16: {
    fullProve(input: Record<string, unknown>, wasm: string | Uint8Array, zkey: string | Uint8Array, logger?: unknown): Promise<{ proof: Groth16Proof; publicSignals: string[] }>
    prove(zkey: string | Uint8Array, witness: string | Uint8Array | WitnessOutput, logger?: unknown): Promise<{ proof: Groth16Proof; publicSignals: string[] }>
    verify(vkey: unknown, publicSignals: (string | bigint)[], proof: Groth16Proof, logger?: unknown): Promise<boolean>
  }
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: string | Uint8Array, out: WitnessOutput, options?: unknown): Promise<void>
    check(r1cs: string, wtns: WitnessOutput, logger?: unknown): Promise<boolean>
    exportJson(wtns: WitnessOutput): Promise<bigint[]>
  }
  export const r1cs: {
    info(r1cs: string, logger?: unknown): Promise<{ nConstraints: number; nPubInputs: number; nOutputs: number; nVars: number }>
  }
  export const powersOfTau: Record<string, (...args: any[]) => Promise<any>>
  export const zKey: Record<string, (...args: any[]) => Promise<any>>
}
