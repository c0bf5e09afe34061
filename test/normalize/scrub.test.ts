import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeResponse, scrubMessage } from '../../src/normalize/index.js';

describe('scrubMessage', () => {
  it('removes addresses whole, quotes inside the local part included, and keeps the quotes around them', () => {
    expect(scrubMessage("o'brien@example.com bounced")).toBe('[email] bounced');
    expect(scrubMessage('`x`y@example.com')).toBe('`[email]');
    expect(scrubMessage("Recipient 'jane.doe@example.com' is suppressed")).toBe("Recipient '[email]' is suppressed");
    expect(scrubMessage('<a@b.example>, "c@d.example"')).toBe('<[email]>, "[email]"');
  });
});

/**
 * Ordinary provider messages, most verbatim from the seeds, AWS's docs and the
 * bug reports cited in real-world.test.ts, with what scrubbing must leave of
 * them: everything but the addresses.
 */
const ORDINARY: readonly (readonly [string, string])[] = [
  ['Daily message quota exceeded.', 'Daily message quota exceeded.'],
  ['Maximum sending rate exceeded.', 'Maximum sending rate exceeded.'],
  [
    'Email address is not verified. The following identities failed the check in region US-EAST-1: sender@example.com',
    'Email address is not verified. The following identities failed the check in region US-EAST-1: [email]',
  ],
  ['The security token included in the request is invalid.', 'The security token included in the request is invalid.'],
  ['The security token included in the request is expired', 'The security token included in the request is expired'],
  ['The X.509 certificate or AWS access key ID provided does not exist in our records.', 'The X.509 certificate or AWS access key ID provided does not exist in our records.'],
  [
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  ],
  ["Credential should be scoped to a valid region, not 'us-east-1'.", "Credential should be scoped to a valid region, not 'us-east-1'."],
  ['Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T001000Z - 5 min.)', 'Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T001000Z - 5 min.)'],
  // aws/aws-sdk-php#941 and an assumed role's ARN (CamelCase, digits): readable, not keys.
  ['User: arn:aws:iam::656786582583:user/user name is not authorized to perform: ses:VerifyEmailIdentity', 'User: arn:aws:iam::656786582583:user/user name is not authorized to perform: ses:VerifyEmailIdentity'],
  ["User `arn:aws:sts::123456789012:assumed-role/SendMailRole/Lambda42' is not authorized to perform `ses:SendRawEmail'", "User `arn:aws:sts::123456789012:assumed-role/SendMailRole/Lambda42' is not authorized to perform `ses:SendRawEmail'"],
  // ministryofjustice/analytical-platform#6944 (SES over SMTP), address replaced: the ARN keeps its shape.
  [
    "554 Access denied: User `arn:aws:iam::381491960855:user/mwaa-ses' is not authorized to perform `ses:SendRawEmail' on resource `arn:aws:ses:eu-west-2:381491960855:identity/jane.doe@justice.example'",
    "554 Access denied: User `arn:aws:iam::381491960855:user/mwaa-ses' is not authorized to perform `ses:SendRawEmail' on resource `arn:aws:ses:eu-west-2:381491960855:identity/[email]'",
  ],
  ['Missing API key in the authorization header.', 'Missing API key in the authorization header.'],
  ['API key is invalid.', 'API key is invalid.'],
  ['Invalid token: expired', 'Invalid token: expired'],
  ['Missing API key: please include your key in the X-API-Key header.', 'Missing API key: please include your key in the X-API-Key header.'],
  ['This API key is restricted to only send emails.', 'This API key is restricted to only send emails.'],
  ['Missing Authorization header', 'Missing Authorization header'],
  ['Token lacks required scope.', 'Token lacks required scope.'],
  ['Key not found | Verify you copied the full secret, including the part after the dot.', 'Key not found | Verify you copied the full secret, including the part after the dot.'],
  ['The password reset link has expired.', 'The password reset link has expired.'],
  ['Request was throttled. Expected available in 12 seconds.', 'Request was throttled. Expected available in 12 seconds.'],
  ['550 5.7.1 Message rejected due to content restrictions', '550 5.7.1 Message rejected due to content restrictions'],
  ['454 Throttling failure: Daily message quota exceeded.', '454 Throttling failure: Daily message quota exceeded.'],
  [
    'Message 0100018c2b1f4d3e-6b7a9c1d-3e2f-4a5b-8c7d-0e1f2a3b4c5d-000000 bounced at 2026-11-22T12:00:00.000Z',
    'Message 0100018c2b1f4d3e-6b7a9c1d-3e2f-4a5b-8c7d-0e1f2a3b4c5d-000000 bounced at 2026-11-22T12:00:00.000Z',
  ],
  ['RequestId: a1b2c3d4-5e6f-11e6-8f4f-3b1a2c5d7e9f', 'RequestId: a1b2c3d4-5e6f-11e6-8f4f-3b1a2c5d7e9f'],
  ['SESv2ServiceException: Daily message quota exceeded.', 'SESv2ServiceException: Daily message quota exceeded.'],
  ['ConfigurationSetDoesNotExistException: Configuration set <marketing-2026> does not exist.', 'ConfigurationSetDoesNotExistException: Configuration set <marketing-2026> does not exist.'],
  [
    'The example.com domain is not verified. Please, add and verify your domain on https://resend.com/domains',
    'The example.com domain is not verified. Please, add and verify your domain on https://resend.com/domains',
  ],
  ['Mail from domain mail.acme-corp.example is not verified; check the MX record of bounce.mail.acme-corp.example', 'Mail from domain mail.acme-corp.example is not verified; check the MX record of bounce.mail.acme-corp.example'],
  ["Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.", 'Invalid `from` field. The email address needs to follow the `[email]` or `Name <[email]>` format.'],
  ['Rate exceeded', 'Rate exceeded'],
  ['JWT expired', 'JWT expired'],
];

describe('scrubbing credentials by context and shape', () => {
  it.each(ORDINARY)('leaves an ordinary message as it is, addresses apart: %s', (message, expected) => {
    expect(scrubMessage(message)).toBe(expected);
  });

  it.each([
    // The finding: a provider echoing a key of a format no rule knew.
    ["API key 'xxxx.yyyy' has been revoked", "API key '[credential]' has been revoked"],
    ['Invalid API key: sf_8Kq2Lm.Jx93hZpQw7Rt', 'Invalid API key: [credential]'],
    ['{"error":"invalid_api_key","api_key":"k-7f9a2b4c9e1d"}', '{"error":"invalid_api_key","api_key":"[credential]"}'],
    ['X-API-Key: 0a1b2c3d4e5f6a7b8c9d', 'X-API-Key: [credential]'],
    ['password=hunter2&user=ops', 'password=[credential]&user=ops'],
    ['token:abc123', 'token:[credential]'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'Authorization: Bearer [credential]'],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic [credential]'],
    ['The security token FwoGZXIvYXdzEBYaDH7x9Qk2Lm is invalid', 'The security token [credential] is invalid'],
    ['secret_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'secret_key: [credential]'],
    // A bare key with no context word, shaped like one (AWS's documented example secret key).
    ['signing with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY failed', 'signing with [credential] failed'],
    // Formats the entropy rule cannot tell from ids: Mailgun's documented key- format, Brevo's xkeysib-.
    ['Forbidden for key-3ax6xnjp29jd6fds4gc373sgvjxteol0', 'Forbidden for [credential]'],
    ['Key xkeysib-0123456789abcdef0123456789abcdef-AbCdEfGh12345678 not found', 'Key [credential] not found'],
  ])('scrubs %s', (message, expected) => {
    expect(scrubMessage(message)).toBe(expected);
  });

  it('scrubs what the provider echoes before the message is stored', () => {
    const normalized = normalizeResponse('resend', { status: 403, body: { statusCode: 403, name: 'invalid_api_key', message: "API key 'k9.Qx7_pL2mZr' has been revoked" } });
    expect(normalized.message).toBe("API key '[credential]' has been revoked");
  });
});

describe('scrubbing, property-based', () => {
  const alphabets = fc.subarray(['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789', '0123456789abcdef'], { minLength: 1 }).map((parts) => parts.join(''));
  /** Keys of random formats: a random alphabet, 16–64 characters, with up to three separators (. _ - :) inside. */
  const key = alphabets
    .chain((alphabet) =>
      fc.tuple(
        fc.string({ unit: fc.constantFrom(...alphabet), minLength: 16, maxLength: 64 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('.', '_', '-', ':')), { maxLength: 3 }),
      ),
    )
    .map(([body, separators]) => {
      const chars = [...body];
      for (const [at, separator] of separators) {
        const index = 1 + (at % (chars.length - 2)); // never first or last, never two in a row
        if (!/[._:-]/.test(chars[index - 1] ?? '') && !/[._:-]/.test(chars[index + 1] ?? '')) chars[index] = separator;
      }
      return chars.join('');
    });

  // Messages providers send with a key in them, from the shapes seen in the wild.
  const templates: readonly ((k: string) => string)[] = [
    (k) => `API key '${k}' has been revoked.`,
    (k) => `Invalid API key: ${k}`,
    (k) => `The API key ${k} is not valid for this workspace.`,
    (k) => `Authorization: Bearer ${k}`,
    (k) => `Authorization header "Basic ${k}" was rejected`,
    (k) => `token=${k}&expires=3600`,
    (k) => `Token "${k}" expired at 2026-11-22T12:00:00Z`,
    (k) => `secret_key: ${k}`,
    (k) => `credential ${k} was revoked`,
    (k) => `{"error":"invalid_api_key","api_key":"${k}"}`,
    (k) => `X-API-Key: ${k} rejected for sender@example.com`,
    (k) => `password=${k}`,
    (k) => `The security token ${k} included in the request is invalid.`,
    (k) => `Access key ID ${k} does not exist`,
  ];

  it('a generated key in a realistic message never survives, not even a piece of it', () => {
    fc.assert(
      fc.property(key, fc.nat(templates.length - 1), (k, which) => {
        const scrubbed = scrubMessage(templates[which]!(k));
        expect(scrubbed).toContain('[credential]');
        for (let at = 0; at + 8 <= k.length; at += 1) expect(scrubbed).not.toContain(k.slice(at, at + 8));
      }),
      { numRuns: 5_000 },
    );
  });

  it('ordinary messages, joined in any order, come out as they went in (addresses apart)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(ORDINARY.length - 1), { minLength: 1, maxLength: 4 }), (picks) => {
        const message = picks.map((i) => ORDINARY[i]![0]).join(' ');
        const expected = picks.map((i) => ORDINARY[i]![1]).join(' ');
        expect(scrubMessage(message)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});
