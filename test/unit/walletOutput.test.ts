import { describe, expect, it } from 'vitest'
import { printable } from '../../src/cli/printable.ts'
import { encodeAddress } from '../../src/crypto/address.ts'
import { deriveKeys, generateMnemonic, seedFromMnemonic } from '../../src/crypto/keys.ts'
import { NodeUnreachableError } from '../../src/errors/index.ts'
import { Wallet } from '../../src/sdk/wallet/Wallet.ts'
import { NodeWallet } from '../../src/sdk/wallet/nodeWallet.ts'
import { printableSymbol } from '../../src/settlement/readTokenInfo.ts'

const token = '0x1234567890123456789012345678901234567890' as const

describe("others' text on the terminal", () => {
  it('behavior: printable drops control and format characters (escape sequences, bidi overrides), squeezes spaces and caps the length', () => {
    expect(printable('hi\u001b[2J\u001b]0;pwned\u0007 there')).toBe('hi[2J]0;pwned there')
    expect(printable('pay\u202e0001 HTE')).toBe('pay0001 HTE')
    expect(printable(`${' '.repeat(5000)}pay 0.001 ETH\n\r\tnow`)).toBe('pay 0.001 ETH now')
    expect(printable('x'.repeat(300), 64)).toHaveLength(64)
  })

  it('behavior: a token symbol keeps only ASCII letters, digits, ".", "_" and "-": look-alikes of ETH do not read as ETH', () => {
    expect(printableSymbol('USDC', token)).toBe('USDC')
    expect(printableSymbol('ETH\ufe0f', token)).toBe('ETH') // then it collides with ETH, and the CLI adds the address
    expect(printableSymbol('\u0415\u0422\u041d', token)).toBe('0x1234…7890') // Cyrillic ЕТН: nothing left
    expect(printableSymbol('\u001b[31mRED', token)).toBe('31mRED')
    expect(printableSymbol('A'.repeat(40), token)).toHaveLength(12)
  })

  it('behavior: NODE_UNREACHABLE names the sequencer by its origin only: no token in its path, query or user info', () => {
    const error = new NodeUnreachableError('https://user:secret@node.example:8443/key/abc?token=xyz')
    expect(error.shortMessage).toContain('https://node.example:8443')
    expect(error.shortMessage).not.toMatch(/secret|abc|xyz|user/)
  })
})

describe('self-transfers', () => {
  it("error: an address with this account's spending key but another viewing key is not ours (a payment to it is lost to us), so it is a send, not a self-transfer", () => {
    const wallet = new NodeWallet({ mnemonic: generateMnemonic(), sequencerUrl: 'http://127.0.0.1:9', rollupAddress: token, fromBlock: 0n, l1: {} as never })
    const other = deriveKeys(seedFromMnemonic(generateMnemonic()))
    expect(wallet.isOwnAddress(wallet.address)).toBe(true)
    expect(wallet.isOwnAddress(encodeAddress({ ownerPk: wallet.keys.ownerPk, vpk: other.vpk }, 'testnet'))).toBe(false)
    expect(wallet.isOwnAddress(encodeAddress({ ownerPk: other.ownerPk, vpk: wallet.keys.vpk }, 'testnet'))).toBe(false)
    expect(wallet.isOwnAddress(encodeAddress({ ownerPk: wallet.keys.ownerPk, vpk: wallet.keys.vpk }, 'mainnet'))).toBe(false)
  })
})
