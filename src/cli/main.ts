import { Command } from 'commander'

/**
 * The `zkpay` command line: the composition root, where configuration, stores and node parts
 * are wired together. Nothing imports it.
 */
const program = new Command()
  .name('zkpay')
  .description('zkpay: private payments on a zero-knowledge rollup')
  .version('0.1.0')

program
  .command('demo')
  .description('run the scripted payment demo on an embedded devnet')
  .action(() => {
    console.log(
      [
        'zkpay demo: not built yet.',
        '',
        'Built so far: the cryptographic core (keys, addresses, notes, note encryption, the',
        'note tree) and the Circom circuits. Still to come: the settlement contracts, the',
        'operator node, the SDK wallet and merchant, and this demo on an embedded devnet.',
        'Run `npm test` to check what exists, `npm run bench` to measure it.',
      ].join('\n'),
    )
  })

await program.parseAsync(process.argv)
