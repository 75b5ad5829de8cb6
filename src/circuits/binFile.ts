import { readBinFile, readSection } from '@iden3/binfileutils'

/**
 * Reads whole sections of an iden3 binary file (`ptau`, `zkey`) by id, and closes it. Throws
 * when the file is not of `type` or a section is missing or repeated: callers turn that into
 * their own error, naming the file.
 */
export async function readBinSections(file: string, type: string, maxVersion: number, ids: readonly number[]): Promise<Map<number, Uint8Array>> {
  const { fd, sections } = await readBinFile(file, type, maxVersion)
  try {
    const out = new Map<number, Uint8Array>()
    for (const id of ids) {
      const found = (sections as { p: number; size: number }[][])[id]
      if (found?.length !== 1) throw new Error(`${file}: expected one section ${id}, found ${found?.length ?? 0}`)
      const s = await readSection(fd, sections, id)
      out.set(id, s instanceof Uint8Array ? s : new Uint8Array(s.slice(0, s.byteLength)))
    }
    return out
  } finally {
    await fd.close()
  }
}

/** The little-endian unsigned 32-bit integer at byte `offset`. */
export function readU32(b: Uint8Array, offset: number): number {
  if (offset + 4 > b.byteLength) throw new Error('section too short')
  return new DataView(b.buffer, b.byteOffset + offset, 4).getUint32(0, true)
}

/** The little-endian unsigned integer of `bytes` bytes at `offset`. */
export function readUintLE(b: Uint8Array, offset: number, bytes: number): bigint {
  if (offset + bytes > b.byteLength) throw new Error('section too short')
  let x = 0n
  for (let i = bytes - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[offset + i]!)
  return x
}
