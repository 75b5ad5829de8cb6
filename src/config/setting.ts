import { isIP } from 'node:net'
import { z } from 'zod'

/**
 * One setting of one component: where it comes from, what it means, how it parses, what it
 * defaults to. Declaring all four together (Aztec's config mappings) keeps `--help`, the README
 * and the parser from drifting apart.
 */
export type Setting<P extends z.ZodType = z.ZodType> = {
  /** The environment variable that sets it; every zkpay variable starts with `ZKPAY_`. */
  env: `ZKPAY_${string}`
  /** One or two sentences for an operator: what it is and its unit. */
  description: string
  /** Parses the raw value (a string from the environment, or a typed override). */
  parser: P
  /** Used when neither an override nor the environment sets it; absent means required. */
  default?: z.output<P>
  /** Prints as `[redacted]` in JSON, `util.inspect` and errors: keys, passwords, tokens. */
  secret?: boolean
  /** Prints what this returns instead of the value, e.g. an RPC URL without its API token. */
  redact?(value: z.output<P>): string
  /**
   * Whether an invalid raw value may be echoed in the error. Off for secrets and redacted
   * settings, and for settings where a confused operator may paste a secret by mistake.
   */
  echoInvalid?: boolean
}

/** A component's settings by config key. */
export type ConfigSchema = Record<string, Setting>

/** The typed, parsed values of a schema. */
export type ConfigOf<S extends ConfigSchema> = { readonly [K in keyof S]: z.output<S[K]['parser']> }

/** What may override a setting (a CLI flag, a test): anything its parser accepts. */
export type ConfigOverrides<S extends ConfigSchema> = { [K in keyof S]?: z.input<S[K]['parser']> | undefined }

/**
 * Declares one setting, inferring its type from the parser so that `default` is checked against it.
 *
 * @example
 * const batchSize = setting({
 *   env: 'ZKPAY_BATCH_SIZE',
 *   description: 'Transactions per batch.',
 *   parser: z.coerce.number().int().min(1).max(32),
 *   default: 32,
 * })
 */
export function setting<P extends z.ZodType>(declaration: Setting<P>): Setting<P> {
  return declaration
}

/**
 * An integer setting from `min` to `max`, read from a string; `error` is the one message an
 * operator sees for any failing check, so it states the rule.
 */
/** A yes/no setting: 1, true, 0 or false (or a boolean, from code). */
export const flag = z.union([z.boolean(), z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true')], { error: 'expected 1, true, 0 or false' })

export const integer = (min: number, max: number, error: string) => z.coerce.number({ error }).int().min(min).max(max)

/**
 * The NAME of an environment variable that holds a secret (`ZKPAY_OPERATOR_KEY`), never the
 * secret: settings hold names so that secrets stay out of flags, files and config objects.
 */
export const variableName = (what: string) =>
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: `expected the name of an environment variable (letters, digits and _), not ${what} itself` })
    // A bech32 key (zkptivk1…, zkpfvk1…) is letters and digits too: never take one for a name.
    .refine((s) => !/^zkpt?[if]vk1/i.test(s), { error: `expected the name of an environment variable (letters, digits and _), not ${what} itself` })

/** An address a server listens on: an IPv4 or IPv6 address, or `localhost`. */
export const listenAddress = z.string().refine((s) => isIP(s) !== 0 || s === 'localhost', { error: 'expected an IP address (or localhost)' })
