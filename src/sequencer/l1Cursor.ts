/**
 * The store's sync cursor of the L1 follower: the next L1 block to read, and the hash of the one
 * before it (the last applied).
 *
 * @example
 * const cursor = await store.getCursor(L1_CURSOR) // { block: 1201n, blockHash: '0x…' }: blocks up to 1200 are applied
 */
export const L1_CURSOR = 'l1'
