#!/usr/bin/env node
// zkpay runs its TypeScript sources directly: register tsx, then hand over to the CLI.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
