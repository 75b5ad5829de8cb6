#!/usr/bin/env node
// The zkpay CLI, compiled and bundled into dist/bin/ by `npm run build` (which `npm ci` and `npm install` run).
import { existsSync } from 'node:fs'

const main = new URL('../dist/bin/zkpay.js', import.meta.url)
if (!existsSync(main)) {
  console.error('error NOT_BUILT: zkpay is not built: run `npm run build` (npm ci and npm install run it)')
  process.exit(2)
}
await import(main.href)
