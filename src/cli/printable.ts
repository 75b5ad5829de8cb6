/**
 * Text that came from someone else (a memo, a URI's label, a node's message, a token's revert
 * reason) as a terminal may print it: control and format characters dropped (no escape
 * sequences, no bidi overrides), runs of spaces squeezed to one (no line pushed off screen by
 * padding) and at most `max` characters.
 *
 * @example
 * printable('hi\u001b[2J   there') // 'hi[2J there'
 */
export function printable(text: string, max = 200): string {
  const clean = text
    .replace(/[\s\p{Zs}]+/gu, ' ') // line breaks and tabs are spaces here
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/ {2,}/g, ' ')
    .trim()
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean
}
