import { CircuitArtifactError, DevKeysRefusedError } from '../errors/index.ts'
import { ARTIFACTS_DIR, artifactPaths, CIRCUITS, type CircuitName, loadVerificationKey, sha256File } from './artifacts.ts'
import { readBinSections, readU32, readUintLE } from './binFile.ts'

/**
 * The dev trusted setup's fingerprint. Its phase 1 is `powersoftau new` finished by a public
 * beacon only, so its secrets τ, α, β are the first three draws of the beacon's RNG: public.
 * With α and β (and γ the G2 generator, as snarkjs makes it) anyone can write a proof that
 * verifies for ANY public inputs: A = (α·β)·G1 + Σ inputᵢ·ICᵢ, B = G2, C = 0
 * (test/attacks/user.forgedProof.test.ts does it). Phase 2 only changes δ, so every key made on
 * that phase 1, whatever its phase-2 contributions, carries these α·G1 and β·G2 and is forgeable.
 * A key is recognised by its points, never by a flag that a file could omit.
 *
 * @example
 * const { vk_alpha_1 } = await readZkeyPoints(artifactPaths('batch').zkey)
 * const forgeable = vk_alpha_1[0] === DEV_ALPHA_1[0] && vk_alpha_1[1] === DEV_ALPHA_1[1] // α·G1 (x, y) of the dev phase 1
 */
export const DEV_ALPHA_1 = [
  0x0afb92ea608e36b07ba2b7dd53439677933ea9b81ed154acb4a2faaad659844an,
  0x2649279dc7b13e8872818a57dc7b0b7646c8fd2dc2038df15385057d2dd15b28n,
] as const

/**
 * β·G2 of the dev phase 1 (coordinates c0, c1 of x, then of y, as snarkjs writes them).
 *
 * @example
 * const forgeable = BigInt(vkey.vk_beta_2[0][0]) === DEV_BETA_2[0][0] // and so on for [0][1], [1][0], [1][1]
 */
export const DEV_BETA_2 = [
  [0x0eb6c4111a320a85a865c3d9346712d723ed39bc24308343bf02e42f4308c473n, 0x0ee0c9f6b7b8337286b7034cba8bbc66ec934f5568e0166d826ae78cd75f5c96n],
  [0x1c6a2cc07efb448c14010deabfb31ed26787318910f2f11c55f63687c0c8114dn, 0x072e0303b167a9e574c7005500ce4e66f260775c3bd795aa13f1ba9e679147c1n],
] as const

/**
 * The chain id of the local devnet (anvil's default, viem's `foundry`), the only chain on which
 * the dev keys are used without an explicit, insecure opt-in.
 *
 * @example
 * const insecure = deployed.verifyingKeys.dev && deployed.chainId !== DEVNET_CHAIN_ID // 31337
 */
export const DEVNET_CHAIN_ID = 31337

type Coordinate = string | bigint
/** The part of a Groth16 key (a snarkjs verification key, or a proving key's header) that phase 1 fixes. */
export type KeyPoints = { vk_alpha_1: readonly Coordinate[]; vk_beta_2: readonly (readonly Coordinate[])[] }

const same = (a: Coordinate | undefined, b: bigint) => {
  try {
    return a !== undefined && BigInt(a) === b
  } catch {
    return false
  }
}

/**
 * Whether a Groth16 key comes from the dev phase 1, so that anyone can forge proofs for it.
 * Either point suffices: knowing α alone, (α·β)·G1 = α·(β·G1) with β·G1 from the proving key;
 * knowing β alone, A = α·G1 + β⁻¹·X, B = β·G2 verifies as well.
 *
 * @example
 * isDevKey(loadVerificationKey('transfer') as KeyPoints) // true for the committed keys
 */
export function isDevKey(key: KeyPoints): boolean {
  const alpha = same(key.vk_alpha_1[0], DEV_ALPHA_1[0]) && same(key.vk_alpha_1[1], DEV_ALPHA_1[1])
  const beta = [0, 1].every((i) => [0, 1].every((j) => same(key.vk_beta_2[i]?.[j], DEV_BETA_2[i]![j]!)))
  return alpha || beta
}

/**
 * α·G1 and β·G2 of a snarkjs proving key (.zkey), read from its Groth16 header without building
 * the curve: the file stores them in Montgomery form, x·2^(8·n8) mod q.
 *
 * @example
 * const dev = isDevKey(await readZkeyPoints(artifactPaths('batch').zkey)) // true for the committed dev keys
 */
export async function readZkeyPoints(zkey: string): Promise<KeyPoints> {
  let header: Uint8Array
  try {
    header = (await readBinSections(zkey, 'zkey', 2, [2])).get(2)!
  } catch (cause) {
    throw new CircuitArtifactError('The proving key cannot be read: it is missing or not a snarkjs .zkey file.', { details: zkey, cause })
  }
  const n8q = readU32(header, 0)
  const q = readUintLE(header, 4, n8q)
  const rInv = modInverse((1n << BigInt(8 * n8q)) % q, q)
  let o = 4 + n8q
  o += 4 + readU32(header, o) // n8r and r
  o += 12 // nVars, nPublic, domainSize
  const next = () => {
    const x = (readUintLE(header, o, n8q) * rInv) % q
    o += n8q
    return x
  }
  const alpha = [next(), next()]
  o += 2 * n8q // β·G1
  const beta = [
    [next(), next()],
    [next(), next()],
  ]
  return { vk_alpha_1: alpha, vk_beta_2: beta }
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a, m, 1n, 0n]
  while (r1 !== 0n) {
    const k = r0 / r1
    ;[r0, r1, s0, s1] = [r1, r0 - k * r1, s1, s0 - k * s1]
  }
  return ((s0 % m) + m) % m
}

/** Which keys a deployment or a node uses: dev or ceremony, and the SHA-256 of each verification key file. */
export type KeysInUse = {
  /** true when any of them is forgeable (made on the dev phase 1) */
  dev: boolean
  circuits: Record<CircuitName, { vkeySha256: string; dev: boolean }>
}

/**
 * The verification keys in `dir` (the committed circuits/artifacts by default): the ones
 * VerifyingKeys.sol, and so the contract's bytecode, is generated from (a test keeps them in
 * step) and the ones a node verifies with. With `provingKeys`, the proving keys next to them
 * count as well (a node proves batches with them).
 *
 * @example
 * const keys = await keysInUse()
 * if (keys.dev) console.warn('dev keys: devnet only')
 */
export async function keysInUse(options: { dir?: string; provingKeys?: boolean } = {}): Promise<KeysInUse> {
  const dir = options.dir ?? ARTIFACTS_DIR
  const circuits = {} as KeysInUse['circuits']
  for (const name of Object.keys(CIRCUITS) as CircuitName[]) {
    const paths = artifactPaths(name, dir)
    let dev = isDevKey(loadVerificationKey(name, dir) as KeyPoints)
    if (options.provingKeys) dev ||= isDevKey(await readZkeyPoints(paths.zkey))
    circuits[name] = { vkeySha256: sha256File(paths.vkey), dev }
  }
  return { dev: Object.values(circuits).some((c) => c.dev), circuits }
}

/**
 * Throws `DEV_KEYS_REFUSED` when forgeable keys would secure a chain other than the local devnet
 * and the caller did not explicitly allow it (`--insecure-dev-keys`, `ZKPAY_INSECURE_DEV_KEYS=1`,
 * `allowInsecureDevKeys: true`).
 *
 * @example
 * assertKeysAllowed({ action: 'deploy the rollup', chainId, keys: await keysInUse() })
 */
export function assertKeysAllowed(p: { action: string; chainId: number; keys: Pick<KeysInUse, 'dev'>; allowInsecureDevKeys?: boolean }): void {
  if (p.keys.dev && p.chainId !== DEVNET_CHAIN_ID && p.allowInsecureDevKeys !== true) throw new DevKeysRefusedError(p.action, p.chainId)
}
