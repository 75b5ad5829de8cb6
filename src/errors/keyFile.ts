import { BaseError } from './BaseError.ts'

/** The wallet key file (or a browser's sealed seed) exists but cannot be read as one: damaged, edited, or another format. */
export class KeyFileDamagedError extends BaseError {
  override name = 'KeyFileDamagedError' as const
  /** `restore`: how to get the wallet back, for where it is read (the CLI's command; a page's recovery words by default) */
  constructor(path: string, problem: string, restore = 'restore the wallet from its recovery words') {
    super('KEY_FILE_DAMAGED', `${path} is not a usable zkpay wallet key file (${problem}): ${restore}.`)
  }
}

/** The passphrase does not open the key file. */
export class WrongPassphraseError extends BaseError {
  override name = 'WrongPassphraseError' as const
  /** `from`: where the passphrase was read (the CLI's environment variable), when not typed */
  constructor(path: string, from?: string) {
    super('WRONG_PASSPHRASE', `The passphrase${from ? ` in ${from}` : ''} does not open ${path}.`)
  }
}

/** A new key file would be sealed with an empty or short passphrase. */
export class WeakPassphraseError extends BaseError {
  override name = 'WeakPassphraseError' as const
  constructor(minLength: number, from?: string) {
    super('WEAK_PASSPHRASE', `${from ? `Set ${from} to` : 'Choose'} a passphrase of at least ${minLength} characters: it seals the wallet's key.`)
  }
}
