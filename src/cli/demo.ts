import { createPublicClient, createWalletClient, formatEther, type Hex, http, parseEther, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { generateMnemonic } from '../crypto/keys.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { createLogger } from '../log/index.ts'
import { createWallet } from '../sdk/index.ts'
import { startDevnet } from './devnet.ts'

/**
 * `zkpay demo` (what `npm start` runs): on an embedded devnet, Alice shields ETH, pays Bob
 * privately with an invoice number in the encrypted memo, Bob finds the payment with his keys
 * and withdraws part of it to L1. Every step is a real proof, a real batch and a real L1
 * transaction.
 */
export async function runDemo(print: (line: string) => void = console.log): Promise<void> {
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`
  const step = (line: string) => print(`[${elapsed()}] ${line}`)
  await initCrypto()
  step('starting the devnet: anvil, the rollup and a test token, an operator node')
  const devnet = await startDevnet({ dir: '.zkpay/demo', batchSize: 4, batchMaxAgeMs: 500, logger: createLogger('devnet', { level: 'error' }) })
  try {
    const { info } = devnet
    const transport = http(info.rpcUrl)
    const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 100 }) as PublicClient
    const l1 = (privateKey: Hex) => ({ publicClient, walletClient: createWalletClient({ account: privateKeyToAccount(privateKey), chain: foundry, transport }) })
    const common = { sequencerUrl: info.sequencerUrl, rollupAddress: info.rollupAddress, fromBlock: BigInt(info.deployBlock) }
    const alice = createWallet({ mnemonic: generateMnemonic(), l1: l1(info.accounts[1]!.privateKey), ...common })
    const bob = createWallet({ mnemonic: generateMnemonic(), l1: l1(info.accounts[2]!.privateKey), ...common })
    step(`rollup ${info.rollupAddress} on chain ${info.chainId}, sequencer ${info.sequencerUrl}`)
    step(`Alice ${alice.address.slice(0, 24)}…   Bob ${bob.address.slice(0, 24)}…`)

    step('Alice shields 1 ETH: proving the deposit, escrowing it on L1, sending it to the sequencer')
    const deposited = await (await alice.deposit({ amount: parseEther('1') })).wait('settled')
    step(`  settled in batch ${deposited.batchNumber}, L1 transaction ${deposited.l1TxHash}`)
    step(`  Alice's shielded balance: ${formatEther(alice.balance())} ETH`)

    const invoice = 'invoice #42'
    step(`Alice pays Bob 0.25 ETH privately for "${invoice}" (the memo is encrypted to Bob)`)
    const paid = await (await alice.transfer({ to: bob.address, amount: parseEther('0.25'), memo: invoice })).wait('settled')
    step(`  settled in batch ${paid.batchNumber}, L1 transaction ${paid.l1TxHash}`)
    const { newNotes } = await bob.sync()
    const received = newNotes.find((n) => n.memo === invoice)
    if (!received) throw new Error('Bob did not find the payment for the invoice.')
    step(`  Bob finds it with his viewing key: ${formatEther(received.note.amount)} ETH, memo "${received.memo}"`)
    print(`  ${invoice}: paid ${formatEther(received.note.amount)} ETH — settled on L1 (${paid.l1TxHash})`)

    const bobL1 = info.accounts[2]!.address
    const before = await publicClient.getBalance({ address: bobL1 })
    step('Bob withdraws 0.1 ETH to his L1 account')
    const withdrawn = await (await bob.withdraw({ to: bobL1, amount: parseEther('0.1') })).wait('settled')
    const after = await publicClient.getBalance({ address: bobL1 })
    step(`  settled in batch ${withdrawn.batchNumber}, L1 transaction ${withdrawn.l1TxHash}; Bob's L1 balance +${formatEther(after - before)} ETH`)

    print('')
    print('summary')
    print(`  Alice shielded: ${formatEther(alice.balance())} ETH   Bob shielded: ${formatEther(bob.balance())} ETH`)
    print(`  the chain saw: a 1 ETH deposit, a private transfer (no amount, asset or parties), a 0.1 ETH withdrawal`)
    print(`  done in ${elapsed().trim()}`)
  } finally {
    await devnet.stop()
  }
}
