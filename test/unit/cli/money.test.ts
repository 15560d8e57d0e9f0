import { describe, expect, it } from 'vitest';
import { formatUsd } from '../../../src/cli/money.ts';

describe('formatUsd', () => {
  it('prints money as money', () => {
    expect(formatUsd(0.007292999999999999)).toBe('$0.0073');
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.00001234)).toBe('$0.000012');
    expect(formatUsd(1.234)).toBe('$1.23');
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(undefined)).toBe('n/a');
    expect(formatUsd(Number.NaN)).toBe('n/a');
  });
});
