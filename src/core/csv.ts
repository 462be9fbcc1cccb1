/** CSV pieces every export shares (analysis data, comparison table, training curves). */

/** A text field, quoted when it holds a quote, comma or newline (RFC 4180). */
export function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
