import { expect } from 'vitest';

/**
 * A ClickHouse `uniq` count against the exact one. uniq keeps 32-bit hashes: below 65,536 values
 * it loses only values whose hashes collide (~n²/2³³ on average: 0.02 of 14,000 ids), so with ids
 * that change every run it may fall a few short, never over.
 */
export function expectUniqOf(actual: number, exact: number, label?: string): void {
  expect(actual, label).toBeLessThanOrEqual(exact);
  expect(actual, label).toBeGreaterThanOrEqual(exact - 3);
}
