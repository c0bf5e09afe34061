/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes`
 * of one line: an endless line on stdin must not exhaust memory. An overlong
 * line is reported (so the caller can say so in order) and skipped to its end.
 */
export type Line = { number: number; text: string } | { number: number; tooLong: true };

export async function* readLines(input: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflowing = false;
  let number = 0;

  const finish = function* (): Generator<Line> {
    number += 1;
    if (overflowing) yield { number, tooLong: true };
    else yield { number, text: Buffer.concat(pending).toString('utf8').replace(/\r$/, '') };
    pending = [];
    pendingBytes = 0;
    overflowing = false;
  };

  for await (const chunk of input) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let newline = bytes.indexOf(0x0a);
    while (newline !== -1) {
      take(bytes.subarray(0, newline));
      yield* finish();
      bytes = bytes.subarray(newline + 1);
      newline = bytes.indexOf(0x0a);
    }
    take(bytes);
  }
  if (pendingBytes > 0 || overflowing) yield* finish();

  function take(part: Buffer): void {
    if (overflowing || part.length === 0) return;
    if (pendingBytes + part.length > maxLineBytes) {
      overflowing = true;
      pending = [];
      pendingBytes = 0;
      return;
    }
    pending.push(Buffer.from(part)); // copy: the stream may reuse its chunk
    pendingBytes += part.length;
  }
}
