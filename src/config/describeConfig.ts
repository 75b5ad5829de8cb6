import { displayValue } from './display.ts'
import type { ConfigSchema } from './setting.ts'

export type SettingDescription = {
  key: string
  env: string
  description: string
  /** The default as it prints (secrets redacted), or undefined for a required setting. */
  default: string | undefined
}

/**
 * The settings of a schema as rows for `--help`, the README or a startup log line.
 *
 * @example
 * for (const s of describeConfig(nodeConfig)) console.log(`${s.env}  ${s.description}  [${s.default ?? 'required'}]`)
 */
export function describeConfig(schema: ConfigSchema): SettingDescription[] {
  return Object.entries(schema).map(([key, declaration]) => {
    const shown = 'default' in declaration ? displayValue(declaration, declaration.default) : undefined
    return { key, env: declaration.env, description: declaration.description, default: shown === undefined ? undefined : String(shown) }
  })
}
