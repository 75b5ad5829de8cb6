/**
 * What the sequencer announces in process (tests, benchmarks, the API). Transaction events say
 * when each transaction moved, to the millisecond: the API publishes only batch events
 * (src/api/toPublicEvent.ts). A settled batch carries its L1 block and what it made public there:
 * its commitments and nullifiers.
 */
export type SequencerEvent =
  | { type: 'transaction'; id: string; status: string; code?: string; message?: string }
  | { type: 'batch'; number: number; state: string; l1TxHash?: string; l1Block?: number; commitments?: bigint[]; nullifiers?: bigint[]; error?: string }

/** How a part of the sequencer announces what it did: the Sequencer passes its emitter's. */
export type Emit = (event: SequencerEvent) => void
