import { describe, expect, it } from 'vitest'
import { BaseError, NodeUnreachableError, StateCorruptError, WaitTimeoutError } from '../../src/errors/index.ts'

describe('BaseError', () => {
  it('default: code, shortMessage and details; the message carries the details', () => {
    const e = new BaseError('SOME_CODE', 'Something failed.', { details: 'why' })
    expect([e.code, e.shortMessage, e.details, e.message]).toEqual(['SOME_CODE', 'Something failed.', 'why', 'Something failed.\n\nDetails: why'])
  })

  it('behavior: walk() follows the causes: the first that matches, or the deepest', () => {
    const root = new TypeError('socket hang up')
    const middle = new Error('fetch failed', { cause: root })
    const top = new NodeUnreachableError('http://node.example/v1', { cause: middle })
    expect(top.walk()).toBe(root)
    expect(top.walk((e) => e instanceof TypeError)).toBe(root)
    expect(top.walk((e) => e === middle)).toBe(middle)
    expect(top.walk((e) => e instanceof NodeUnreachableError)).toBe(top)
    expect(top.walk((e) => e instanceof RangeError)).toBeNull()
    expect(new StateCorruptError('x').walk()).toBeInstanceOf(StateCorruptError)
  })

  it('error: a cycle of causes ends the walk instead of looping', () => {
    const a = new BaseError('A', 'a') as BaseError & { cause: unknown }
    const b = new Error('b', { cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    expect(a.walk((e) => e instanceof RangeError)).toBeNull()
    expect([a, b]).toContain(a.walk())
  })

  it('default: every code has its class: STATE_CORRUPT, WAIT_TIMEOUT', () => {
    expect(new StateCorruptError('The stored notes do not give the stored root.')).toMatchObject({ code: 'STATE_CORRUPT', name: 'StateCorruptError' })
    expect(new WaitTimeoutError('tx1', 'settled', 'pending', 120_000)).toMatchObject({ code: 'WAIT_TIMEOUT', status: 'pending', shortMessage: expect.stringMatching(/^Transaction tx1 is still pending after 120 s, not yet settled/) })
  })
})
