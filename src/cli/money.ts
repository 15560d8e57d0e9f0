// Money as an operator reads it: `$0.0073`, never `$0.007292999999999999`. Costs of single
// LLM calls are fractions of a cent, so small amounts keep two significant digits instead of
// rounding to `$0.00`.

const CENTS = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const SMALL = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumSignificantDigits: 2, maximumSignificantDigits: 2 });

export function formatUsd(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return 'n/a';
  if (amount === 0) return '$0.00';
  return Math.abs(amount) >= 1 ? CENTS.format(amount) : SMALL.format(amount);
}
