import { describe, expect, it } from 'vitest';
import { scrubMessage } from '../../src/normalize/index.js';

describe('scrubMessage', () => {
  it('removes addresses whole, quotes inside the local part included, and keeps the quotes around them', () => {
    expect(scrubMessage("o'brien@example.com bounced")).toBe('[email] bounced');
    expect(scrubMessage('`x`y@example.com')).toBe('`[email]');
    expect(scrubMessage("Recipient 'jane.doe@example.com' is suppressed")).toBe("Recipient '[email]' is suppressed");
    expect(scrubMessage('<a@b.example>, "c@d.example"')).toBe('<[email]>, "[email]"');
  });
});
