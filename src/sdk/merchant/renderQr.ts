import { encode, renderSVG, renderUnicodeCompact } from 'uqr'

export type PaymentQr = {
  /** an SVG document, one 8×8 square per module, 4 modules of quiet zone */
  svg: string
  /** Unicode half blocks, two module rows per text line, for a dark terminal */
  terminal: string
  /** modules per side, quiet zone included */
  size: number
}

// ZIP-321 URIs are scanned from screens, often at an angle: error correction M (15%) is the
// usual trade-off between density and robustness; the 4-module quiet zone is the QR standard's.
const OPTIONS = { ecc: 'M', border: 4 } as const

/**
 * Renders a payment URI as a QR code, as SVG for a checkout page and as text for a terminal.
 *
 * @example
 * const { svg, terminal } = renderQr(invoice.uri)
 * console.log(terminal)
 */
export function renderQr(text: string): PaymentQr {
  const { size } = encode(text, OPTIONS)
  return {
    svg: renderSVG(text, { ...OPTIONS, pixelSize: 8 }),
    // uqr's compact form draws light modules as blocks; the border keeps it scannable on dark backgrounds.
    terminal: renderUnicodeCompact(text, { ...OPTIONS, border: 2 }),
    size,
  }
}
