// @iden3/binfileutils and circom_runtime ship no types; only what zkpay uses is declared.
declare module '@iden3/binfileutils' {
  export function readBinFile(file: string | { type: 'mem'; data: Uint8Array }, type: string, maxVersion: number): Promise<{ fd: { close(): Promise<void> }; sections: unknown }>
  export function readSection(fd: unknown, sections: unknown, id: number): Promise<any>
}
declare module 'circom_runtime' {
  export function WitnessCalculatorBuilder(code: Uint8Array): Promise<{ calculateWitness(input: unknown, sanityCheck: boolean): Promise<bigint[]> }>
}
