import { BaseError } from './BaseError.ts'

/** The wallet key file exists but cannot be read as one: damaged, edited, or another format. */
export class KeyFileDamagedError extends BaseError {
  override name = 'KeyFileDamagedError' as const
  constructor(path: string, problem: string) {
    super('KEY_FILE_DAMAGED', `${path} is not a usable zkpay wallet key file (${problem}): restore the wallet from its mnemonic with \`zkpay wallet new --mnemonic-env\` in a new --dir.`)
  }
}

/** The passphrase does not open the key file. */
export class WrongPassphraseError extends BaseError {
  override name = 'WrongPassphraseError' as const
  constructor(path: string) {
    super('WRONG_PASSPHRASE', `The passphrase in ZKPAY_WALLET_PASSPHRASE does not open ${path}.`)
  }
}

/** A new key file would be sealed with an empty or short passphrase. */
export class WeakPassphraseError extends BaseError {
  override name = 'WeakPassphraseError' as const
  constructor(minLength: number) {
    super('WEAK_PASSPHRASE', `Set ZKPAY_WALLET_PASSPHRASE to a passphrase of at least ${minLength} characters: it seals the wallet key file.`)
  }
}
