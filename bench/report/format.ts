/** @module Number formats shared by progress lines, tables and charts. */

/** Drops zeros after the decimal point that say nothing: "10.00" → "10", "2.50" → "2.5". */
function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** 1234567 → "1.23M", 45678 → "45.7k", 10000000 → "10M": for progress lines, tables and axes. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 1e6) return `${trimZeros((n / 1e6).toFixed(2))}M`;
  if (Math.abs(n) >= 1e4) return `${trimZeros((n / 1e3).toFixed(1))}k`;
  if (Math.abs(n) >= 1e3) return `${trimZeros((n / 1e3).toFixed(2))}k`;
  return n.toFixed(n >= 100 || Number.isInteger(n) ? 0 : 1);
}

export function percent(fraction: number): string {
  return Number.isFinite(fraction) ? `${Math.round(fraction * 100)}%` : '—';
}
