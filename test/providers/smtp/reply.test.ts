import { describe, expect, it } from 'vitest';
import { parseReply } from '../../../src/providers/smtp/index.js';
import { replyKeys } from '../../../src/providers/smtp/reply.js';

describe('reading an SMTP reply', () => {
  it('reads both codes from a multi-line reply (RFC 5321 §4.2 continuation lines)', () => {
    const reply = parseReply('550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp');
    expect(reply).toEqual({ replyCode: 550, enhancedCode: '5.1.1' });
    expect(replyKeys(reply)).toEqual(['550 5.1.1', '5.1.1', '550', '5.1.x', '5.x.x']);
  });

  it('keeps a reply without an enhanced code, and reads three-digit details', () => {
    expect(parseReply('454 Throttling failure: Maximum sending rate exceeded.')).toEqual({ replyCode: 454, enhancedCode: null });
    expect(replyKeys(parseReply('454 Throttling failure'))).toEqual(['454', '4.x.x']);
    expect(parseReply('451 4.7.500 Server busy. Please try again later')).toEqual({ replyCode: 451, enhancedCode: '4.7.500' });
  });

  it('reads no code from what is not a reply', () => {
    for (const text of ['', 'Connection closed', '5.1.1 alone', '99 too short', '6000 too long', 'abc 550 5.1.1']) {
      expect(parseReply(text)).toEqual({ replyCode: null, enhancedCode: null });
    }
    expect(parseReply(undefined)).toEqual({ replyCode: null, enhancedCode: null });
    // A version number is not an enhanced code.
    expect(parseReply('550 5.1.1.2 odd')).toEqual({ replyCode: 550, enhancedCode: null });
  });
});
