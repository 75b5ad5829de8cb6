import { type Address, createPublicClient, createWalletClient, custom, defineChain, type EIP1193Provider, getAddress, http, isAddress, type PublicClient } from 'viem'
import {
  BaseError,
  createWallet,
  formatAmount,
  generateMnemonic,
  type HistoryEntry,
  IndexedDbWalletStore,
  MIN_PASSPHRASE_LENGTH,
  openSealedSeed,
  parseAmount,
  parsePaymentUri,
  sealSeed,
  seedFromMnemonic,
  type TransactionHandle,
  type Wallet,
} from '../browser.ts'
import type { WebWalletConfig as WebConfig } from '../cli/web.ts'
import { printable } from '../cli/printable.ts'
import { amountText } from './format.ts'
import { renderQr } from '../sdk/merchant/renderQr.ts'

// The zkpay web wallet: one page, no framework. The wallet itself is the SDK's (`createWallet`
// from zkpay's browser build): notes in IndexedDB, proofs in a Web Worker, deposits signed by
// the page's injected EIP-1193 wallet. This file only draws it: every text from outside (memos,
// addresses, errors) goes in as text, never as markup.

/** The IndexedDB database of this page's wallet (one wallet per origin). */
const STORE = 'web-wallet'
const SYNC_EVERY_MS = 4_000

/**
 * A payment request from a checkout page's link (`#pay?uri=zkpay:…`), taken once, when the page
 * loads: a later change of the fragment (by the page that opened this one, say) never fills the
 * pay form. The fragment is then cleared from the address bar and the history.
 */
const linked = new URLSearchParams(location.hash.replace(/^#pay\?/, '')).get('uri') ?? ''
if (linked) history.replaceState(null, '', `${location.pathname}#pay`)
/** A money-moving call is under way (proving, escrowing, submitting): every pay, deposit and withdraw button waits for it. */
let inFlight = false

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const screen = () => $('screen')

/** An element with attributes and children; strings become text nodes. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | boolean | undefined> = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    element.setAttribute(name, value === true ? '' : value)
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child)
  return element
}

/** An error as a sentence with its code: never a stack trace. */
function describe(error: unknown): string {
  // A node's or an RPC's words are someone else's text: no control or bidi characters, bounded.
  if (error instanceof BaseError) return `${error.code}: ${printable(error.shortMessage, 300)}`
  const e = error as { code?: unknown; shortMessage?: unknown; message?: unknown }
  if (typeof e?.shortMessage === 'string') return `L1_ERROR: ${printable(e.shortMessage, 300)}`
  return `UNEXPECTED: ${printable(typeof e?.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(error), 300)}`
}

function showError(error: unknown): void {
  const line = $('error')
  line.textContent = describe(error)
  line.hidden = false
}

function clearError(): void {
  $('error').hidden = true
  $('error').textContent = ''
}

function progress(text: string): void {
  $('progress').textContent = text
}

function field(label: string, input: HTMLInputElement | HTMLTextAreaElement): HTMLLabelElement {
  return h('label', {}, label, input)
}

/**
 * Runs a form's action with its button disabled; errors go to the error line. A form that moves
 * money (`moves`) does nothing while another money-moving call is under way: one payment at a
 * time, whatever redraws the screen meanwhile.
 */
function onSubmit(form: HTMLFormElement, action: () => Promise<void>, moves = false): HTMLFormElement {
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const button = form.querySelector('button[type="submit"]') as HTMLButtonElement | null
    if (button?.disabled || (moves && inFlight)) return
    if (button) button.disabled = true
    if (moves) inFlight = true
    clearError()
    action()
      .catch(showError)
      .finally(() => {
        if (button) button.disabled = false
        if (moves) inFlight = false
      })
  })
  return form
}

// ---------------------------------------------------------------------------------------------
// Unlocking: create, restore, or open the sealed seed

async function boot(): Promise<void> {
  const response = await fetch('config.json')
  if (!response.ok) throw new BaseError('CONFIG_MISSING', 'This page has no config.json: serve it with `zkpay web`.')
  const config = (await response.json()) as WebConfig
  const store = await IndexedDbWalletStore.open(STORE)
  const sealed = store.loadSealedSeed()
  if (sealed) showUnlock(config, store, sealed)
  else showSetup(config, store)
}

function passphraseFields(confirm: boolean): { fields: HTMLElement[]; value(): string } {
  const first = h('input', { type: 'password', name: 'passphrase', autocomplete: confirm ? 'new-password' : 'current-password', required: true, minlength: String(MIN_PASSPHRASE_LENGTH) })
  const second = h('input', { type: 'password', name: 'confirm', autocomplete: 'new-password', required: true })
  return {
    fields: confirm ? [field('Passphrase', first), field('Passphrase again', second)] : [field('Passphrase', first)],
    value() {
      if (confirm && first.value !== second.value) throw new BaseError('PASSPHRASE_MISMATCH', 'The two passphrases differ: type the same one twice.')
      return first.value
    },
  }
}

function showSetup(config: WebConfig, store: IndexedDbWalletStore): void {
  const create = h('button', { type: 'button' }, 'Create a new wallet')
  const restore = h('button', { type: 'button', class: 'secondary' }, 'Restore from 24 words')
  screen().replaceChildren(
    h('h2', {}, 'Welcome'),
    h('p', {}, 'A private wallet for zkpay: payments are shielded, proofs are made on this device.'),
    // A shop's link brought the payer here: this site may not be the payer's own wallet.
    ...(linked ? [h('p', { class: 'warning', role: 'note' }, `A payment link opened this page (${location.host}). Restore your recovery words only on a wallet site you chose yourself: whoever runs a site sees the words typed into it.`)] : []),
    h('p', {}, create, ' ', restore),
  )
  create.onclick = () => showCreate(config, store)
  restore.onclick = () => showRestore(config, store)
}

/** Seals the seed under the passphrase into IndexedDB (durable before the wallet opens), then opens it. */
async function seal(config: WebConfig, store: IndexedDbWalletStore, mnemonic: string, passphrase: string): Promise<void> {
  const seed = seedFromMnemonic(mnemonic)
  progress('Sealing the key with your passphrase…')
  store.saveSealedSeed(await sealSeed(seed, passphrase))
  await store.flush()
  // Ask the browser not to evict this site's data under storage pressure: the escrow records and
  // the sealed seed live here (the recovery words bring back the notes, not a pending escrow's record).
  await navigator.storage?.persist?.().catch(() => false)
  await openWallet(config, store, seed)
}

function showCreate(config: WebConfig, store: IndexedDbWalletStore): void {
  const mnemonic = generateMnemonic()
  const pass = passphraseFields(true)
  const saved = h('input', { type: 'checkbox', name: 'saved', required: true })
  const form = h(
    'form',
    { 'aria-label': 'Create a wallet' },
    h('h2', {}, 'Your recovery words'),
    h('p', {}, 'Write these 24 words down, in order. They are shown once: they are the only way to restore this wallet elsewhere.'),
    h('p', { class: 'mnemonic', id: 'mnemonic' }, mnemonic),
    h('label', {}, h('span', {}, saved, ' I wrote the words down')),
    h('p', { class: 'muted' }, `A passphrase (${MIN_PASSPHRASE_LENGTH} characters or more) seals the key on this device.`),
    ...pass.fields,
    h('button', { type: 'submit' }, 'Create wallet'),
  )
  screen().replaceChildren(onSubmit(form, () => seal(config, store, mnemonic, pass.value())))
}

function showRestore(config: WebConfig, store: IndexedDbWalletStore): void {
  const words = h('textarea', { name: 'mnemonic', required: true, autocomplete: 'off', spellcheck: 'false' })
  const pass = passphraseFields(true)
  const form = h('form', { 'aria-label': 'Restore a wallet' }, h('h2', {}, 'Restore'), field('Recovery words', words), ...pass.fields, h('button', { type: 'submit' }, 'Restore wallet'))
  screen().replaceChildren(onSubmit(form, () => seal(config, store, words.value.trim().split(/\s+/).join(' '), pass.value())))
}

function showUnlock(config: WebConfig, store: IndexedDbWalletStore, sealed: string): void {
  const pass = passphraseFields(false)
  const form = h('form', { 'aria-label': 'Unlock' }, h('h2', {}, 'Unlock your wallet'), ...pass.fields, h('button', { type: 'submit' }, 'Unlock'))
  screen().replaceChildren(
    onSubmit(form, async () => {
      progress('Opening the key…')
      const seed = await openSealedSeed(sealed, pass.value()).finally(() => progress(''))
      await openWallet(config, store, seed)
    }),
  )
}

// ---------------------------------------------------------------------------------------------
// The open wallet

type Session = {
  config: WebConfig
  wallet: Wallet
  publicClient: PublicClient
  /** the injected L1 account, when the page has a wallet extension */
  account: Address | undefined
  /** what the node last said of our transactions in flight, and why it refused those it did */
  nodeStatus: Map<string, string>
  rejected: Map<string, string>
  syncing: Promise<void> | undefined
}

let session: Session | undefined

/** The page's EIP-1193 provider (a wallet extension), or one that says why there is none. */
function injectedProvider(): EIP1193Provider {
  const injected = (globalThis as { ethereum?: EIP1193Provider }).ethereum
  if (injected) return injected
  return {
    request: () => Promise.reject(new BaseError('NO_L1_WALLET', 'Deposits are signed by an L1 wallet in this browser, and none is installed.')),
    on: () => undefined,
    removeListener: () => undefined,
  } as unknown as EIP1193Provider
}

async function openWallet(config: WebConfig, store: IndexedDbWalletStore, seed: Uint8Array): Promise<void> {
  progress('Opening the wallet…')
  const chain = defineChain({ id: config.chainId, name: `chain ${config.chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [config.rpcUrl] } } })
  const publicClient = createPublicClient({ chain, transport: http(config.rpcUrl), pollingInterval: 500 }) as PublicClient
  const provider = injectedProvider()
  const accounts = (await provider.request({ method: 'eth_requestAccounts' }).catch(() => [])) as Address[]
  const account = accounts[0] ? getAddress(accounts[0]) : undefined
  // Without an account, a placeholder: the wallet signs nothing on L1 but deposits, which then fail with NO_L1_WALLET.
  const walletClient = createWalletClient({ account: account ?? '0x0000000000000000000000000000000000000001', chain, transport: custom(provider) })
  const wallet = await createWallet({
    seed,
    sequencerUrl: config.sequencerUrl,
    rollupAddress: config.rollupAddress,
    fromBlock: BigInt(config.fromBlock),
    network: config.network,
    l1: { publicClient, walletClient },
    store,
    // The worker bundle sits beside this page's (dist/web/), the artifacts under circuits/artifacts/.
    prover: { artifactsUrl: config.artifactsUrl ?? 'circuits/artifacts/', workerUrl: config.workerUrl ?? 'prover.worker.js' },
  })
  session = { config, wallet, publicClient, account, nodeStatus: new Map(), rejected: new Map(), syncing: undefined }
  $('tabs').hidden = false
  $('balance').hidden = false
  window.addEventListener('hashchange', route)
  route()
  await syncNow()
  setInterval(() => void syncNow(), SYNC_EVERY_MS)
}

/** One sync at a time; progress on the status line, the screen redrawn after. */
function syncNow(): Promise<void> {
  const s = session
  if (!s) return Promise.resolve()
  s.syncing ??= s.wallet
    .sync((p) => progress(`Syncing: block ${p.block} of ${p.toBlock}${p.outputs ? `, ${p.outputs} outputs read` : ''}`))
    .then(() => {
      progress(`Synced ${new Date().toLocaleTimeString()}`)
      render()
    })
    .catch(showError)
    .finally(() => {
      s.syncing = undefined
    })
  return s.syncing
}

function route(): void {
  clearError()
  render()
}

/** The current screen: `#home` (default), `#receive`, `#pay` (filled in once from a checkout link, see `linked`), `#deposit`, `#withdraw`. */
function currentRoute(): string {
  return location.hash.replace(/^#/, '').split('?', 1)[0] || 'home'
}

function render(): void {
  const s = session
  if (!s) return
  $('balance').textContent = `${formatAmount(s.wallet.balance())} ETH`
  const name = currentRoute()
  for (const link of document.querySelectorAll('#tabs a')) {
    if (link.getAttribute('href') === `#${name}`) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  // Forms keep what the user typed: they are drawn when the user comes to them, never redrawn by
  // a sync or a status change (a redrawn form could be submitted again mid-payment). Lists are.
  if (name === screen().dataset.route) {
    if (name === 'home') screen().replaceChildren(activityScreen(s))
    else if (name === 'deposit') $('escrows').replaceWith(escrowList(s))
    return
  }
  screen().dataset.route = name
  if (name === 'receive') screen().replaceChildren(receiveScreen(s))
  else if (name === 'pay') screen().replaceChildren(payScreen(s, takeLinked()))
  else if (name === 'deposit') screen().replaceChildren(depositScreen(s))
  else if (name === 'withdraw') screen().replaceChildren(withdrawScreen(s))
  else screen().replaceChildren(activityScreen(s))
}

/** The checkout link's request, once: the first time the pay screen is drawn after the page loaded. */
let linkedTaken = false
function takeLinked(): string {
  if (linkedTaken) return ''
  linkedTaken = true
  return linked
}

/** A history entry's state as the user reads it: pending → sequenced → settled → final, or rejected. */
function stateOf(s: Session, entry: HistoryEntry): string {
  if (entry.status !== 'pending') return entry.status
  const node = entry.txId ? s.nodeStatus.get(entry.txId) : undefined
  return node && ['batched', 'proving', 'submitted', 'settled', 'final'].includes(node) ? 'sequenced' : 'pending'
}

const KIND: Record<string, string> = { deposit: 'Deposit', send: 'Sent', withdraw: 'Withdrawal', merge: 'Merge', receive: 'Received', self: 'To self' }

function activityScreen(s: Session): HTMLElement {
  const history = s.wallet.history().slice().reverse()
  if (history.length === 0) return h('section', { 'aria-label': 'Activity' }, h('h2', {}, 'Activity'), h('p', { class: 'muted' }, 'Nothing yet: deposit from L1, or share your address to be paid.'))
  const rows = history.map((entry) => {
    const state = stateOf(s, entry)
    const reason = entry.txId ? s.rejected.get(entry.txId) : undefined
    const sign = entry.kind === 'receive' || entry.kind === 'deposit' ? '+' : entry.kind === 'merge' || entry.kind === 'self' ? '' : '−'
    return h(
      'tr',
      { 'data-kind': entry.kind, 'data-state': state },
      h('td', {}, KIND[entry.kind] ?? entry.kind, entry.memo ? h('div', { class: 'muted' }, printable(entry.memo, 128)) : null),
      h('td', { class: 'counterparty' }, entry.counterparty ? h('span', { class: 'muted', title: entry.counterparty }, `${entry.counterparty.slice(0, 12)}…`) : ''),
      h('td', { class: 'amount' }, `${sign}${amountText(entry)}`),
      h('td', {}, h('span', { class: 'state', 'data-state': state }, state), reason ? h('div', { class: 'muted' }, reason) : null),
    )
  })
  return h(
    'section',
    { 'aria-label': 'Activity' },
    h('h2', {}, 'Activity'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'What'), h('th', { class: 'counterparty' }, 'With'), h('th', { class: 'amount' }, 'Amount'), h('th', {}, 'State'))), h('tbody', {}, ...rows)),
  )
}

function receiveScreen(s: Session): HTMLElement {
  const qr = h('div', { class: 'qr', role: 'img', 'aria-label': 'QR code of your address' })
  // uqr's SVG: made here from our own address, no outside text in it.
  qr.innerHTML = renderQr(s.wallet.address).svg
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy address')
  copy.onclick = () => void navigator.clipboard?.writeText(s.wallet.address).then(() => progress('Address copied'), showError)
  return h('section', { 'aria-label': 'Receive' }, h('h2', {}, 'Receive'), h('p', {}, 'Your shielded address: payments to it are private.'), h('p', { class: 'address', id: 'address' }, s.wallet.address), qr, copy)
}

const STEP: Record<string, string> = { proving: 'Proving (on this device)…', escrowing: 'Escrowing on L1: confirm in your L1 wallet…', submitting: 'Submitting to the node…' }

/** Follows a submitted transaction in the background: its node status, then settlement (from L1). */
function follow(s: Session, handle: TransactionHandle): void {
  s.nodeStatus.set(handle.id, 'pending')
  render()
  handle
    .wait('settled', {
      timeoutMs: 10 * 60_000,
      onStatus: (status) => {
        s.nodeStatus.set(handle.id, status)
        render()
      },
    })
    .then(
      () => progress('Settled on L1'),
      (error: unknown) => {
        if (error instanceof BaseError) s.rejected.set(handle.id, describe(error))
        showError(error)
      },
    )
    .finally(() => void syncNow())
}

/** The amount field's value in wei, or a clear error. */
function amountOf(input: HTMLInputElement): bigint {
  const amount = parseAmount(input.value.trim(), 18)
  if (amount === undefined || amount <= 0n) throw new BaseError('INVALID_AMOUNT', 'Enter an amount in ETH, such as 0.05.')
  return amount
}

function payScreen(s: Session, uri: string): HTMLElement {
  const request = h('input', { name: 'request', placeholder: 'zkpay:… (optional)', autocomplete: 'off' })
  const to = h('input', { name: 'to', required: true, autocomplete: 'off', spellcheck: 'false' })
  const amount = h('input', { name: 'amount', inputmode: 'decimal', required: true, autocomplete: 'off' })
  const memo = h('input', { name: 'memo', autocomplete: 'off', maxlength: '128' })
  const fill = (text: string) => {
    if (!text.trim()) return
    try {
      const r = parsePaymentUri(text.trim())
      if (r.asset !== '0x0000000000000000000000000000000000000000') throw new BaseError('UNSUPPORTED_ASSET', 'This web wallet pays in ETH; the request asks for a token.')
      to.value = r.address
      if (r.amount !== undefined) amount.value = formatAmount(r.amount)
      memo.value = r.memo ?? ''
      clearError()
    } catch (error) {
      showError(error)
    }
  }
  request.addEventListener('input', () => fill(request.value))
  const form = h(
    'form',
    { 'aria-label': 'Pay' },
    h('h2', {}, 'Pay'),
    field('Payment request', request),
    field('To (zkpay address)', to),
    field('Amount (ETH)', amount),
    field('Memo', memo),
    h('button', { type: 'submit' }, 'Pay'),
  )
  if (uri) {
    request.value = uri
    fill(uri)
  }
  const pay = async () => {
    const handle = await s.wallet.transfer({ to: to.value.trim(), amount: amountOf(amount), ...(memo.value ? { memo: memo.value } : {}), onProgress: (step) => progress(STEP[step] ?? step) })
    progress(`Sent: transaction ${handle.id.slice(0, 10)}…, fee ${formatAmount(handle.fee)} ETH`)
    form.reset()
    location.hash = '#home'
    follow(s, handle)
  }
  return onSubmit(form, pay, true)
}

function depositScreen(s: Session): HTMLElement {
  const amount = h('input', { name: 'amount', inputmode: 'decimal', required: true, autocomplete: 'off' })
  const form = h(
    'form',
    { 'aria-label': 'Deposit' },
    h('h2', {}, 'Deposit'),
    h('p', { class: 'muted' }, s.account ? `From your L1 account ${s.account}: the amount and the node's fee are escrowed on the rollup.` : 'Deposits are signed by an L1 wallet in this browser, and none is connected.'),
    field('Amount (ETH)', amount),
    h('button', { type: 'submit', disabled: !s.account }, 'Deposit'),
  )
  onSubmit(
    form,
    async () => {
      const handle = await s.wallet.deposit({ amount: amountOf(amount), onProgress: (step) => progress(STEP[step] ?? step) })
      progress(`Deposited: transaction ${handle.id.slice(0, 10)}…`)
      location.hash = '#home'
      follow(s, handle)
    },
    true,
  )
  return h('div', {}, form, escrowList(s))
}

const ESCROW_STATE: Record<string, string> = {
  escrowing: 'being escrowed on L1',
  escrowed: 'escrowed: the node has not taken it yet (each sync asks again)',
  submitted: 'with the node',
  void: 'not sent',
}

/**
 * Escrows not yet shielded nor returned, each with what happens next; once one unlocks, Reclaim
 * returns it to the L1 account that escrowed it (the page's L1 wallet signs). Only this browser
 * knows these escrows: the recovery words bring back notes, not a pending escrow.
 */
function escrowList(s: Session): HTMLElement {
  const open = s.wallet.deposits().filter((d) => d.state === 'escrowing' || d.state === 'escrowed' || d.state === 'submitted')
  const section = h('section', { id: 'escrows', 'aria-label': 'Pending deposits' })
  if (open.length === 0) return section
  const reclaim = h('button', { type: 'button', class: 'secondary' }, 'Reclaim unlocked deposits')
  reclaim.onclick = () => {
    if (inFlight) return
    inFlight = true
    reclaim.disabled = true
    clearError()
    progress('Reclaiming: confirm in your L1 wallet…')
    s.wallet
      .reclaimDeposits()
      .then(({ reclaimed, waiting }) => {
        progress(`${reclaimed.length} deposit${reclaimed.length === 1 ? '' : 's'} returned to L1${waiting.length ? `; ${waiting.length} not unlocked yet` : ''}`)
        $('escrows').replaceWith(escrowList(s))
      }, showError)
      .finally(() => {
        inFlight = false
        reclaim.disabled = false
      })
  }
  section.append(
    h('h3', {}, 'Pending deposits'),
    h(
      'ul',
      {},
      ...open.map((d) =>
        h(
          'li',
          { 'data-state': d.state },
          `${formatAmount(d.amount)} ETH, ${ESCROW_STATE[d.state] ?? d.state}`,
          d.lastError ? ` (the node said ${printable(d.lastError, 80)})` : '',
          d.unlockBlock === null ? '' : `; reclaimable from L1 block ${d.unlockBlock}`,
        ),
      ),
    ),
    reclaim,
  )
  return section
}

function withdrawScreen(s: Session): HTMLElement {
  // Not prefilled with the deposit account: withdrawing to it would link the two on L1.
  const to = h('input', { name: 'to', required: true, autocomplete: 'off', spellcheck: 'false' })
  const amount = h('input', { name: 'amount', inputmode: 'decimal', required: true, autocomplete: 'off' })
  const form = h(
    'form',
    { 'aria-label': 'Withdraw' },
    h('h2', {}, 'Withdraw'),
    h('p', { class: 'muted' }, 'To any L1 address. An address you deposited from links the withdrawal to that deposit for anyone reading the chain.'),
    field('To (L1 address)', to),
    field('Amount (ETH)', amount),
    h('button', { type: 'submit' }, 'Withdraw'),
  )
  const withdraw = async () => {
    if (!isAddress(to.value.trim())) throw new BaseError('INVALID_ADDRESS', 'Enter an L1 address: 0x and 40 hex digits.')
    const handle = await s.wallet.withdraw({ to: getAddress(to.value.trim()), amount: amountOf(amount), onProgress: (step) => progress(STEP[step] ?? step) })
    progress(`Withdrawal sent: transaction ${handle.id.slice(0, 10)}…`)
    location.hash = '#home'
    follow(s, handle)
  }
  return onSubmit(form, withdraw, true)
}

boot().catch(showError)
