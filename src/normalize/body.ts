/**
 * Reads whatever a provider (or a proxy in front of it) answered into one of a
 * few shapes. Never throws: a body it cannot read is text.
 */

/** Bodies past this many characters are cut before parsing; error bodies are small, proxies' pages are not. */
export const MAX_BODY_CHARS = 64 * 1024;

export type ParsedBody =
  | { readonly kind: 'empty' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'xml'; readonly text: string }
  | { readonly kind: 'html'; readonly title: string | null }
  | { readonly kind: 'text'; readonly text: string };

const utf8 = new TextDecoder('utf-8', { fatal: false });

function toText(body: unknown): string | null {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return utf8.decode(body.subarray(0, MAX_BODY_CHARS * 4));
  if (body instanceof ArrayBuffer) return utf8.decode(new Uint8Array(body, 0, Math.min(body.byteLength, MAX_BODY_CHARS * 4)));
  return null;
}

export function parseBody(body: unknown): ParsedBody {
  if (body === undefined || body === null) return { kind: 'empty' };
  const text = toText(body);
  if (text === null) {
    // Already-parsed JSON (an object, array, number or boolean from the caller).
    return { kind: 'json', value: body };
  }
  const trimmed = text.slice(0, MAX_BODY_CHARS).trim();
  if (trimmed === '') return { kind: 'empty' };
  const first = trimmed[0];
  if (first === '{' || first === '[' || first === '"') {
    try {
      return { kind: 'json', value: JSON.parse(trimmed) as unknown };
    } catch {
      return { kind: 'text', text: trimmed };
    }
  }
  if (first === '<') {
    if (/^<(!doctype\s+html|html)[\s>]/i.test(trimmed) || /<(body|head|title)[\s>]/i.test(trimmed)) {
      return { kind: 'html', title: htmlTitle(trimmed) };
    }
    return { kind: 'xml', text: trimmed };
  }
  return { kind: 'text', text: trimmed };
}

function htmlTitle(html: string): string | null {
  const found = /<title[^>]*>([^<]*)<\/title>/i.exec(html) ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(html);
  const title = found?.[1] ? decodeEntities(found[1]).replace(/\s+/g, ' ').trim() : '';
  return title === '' ? null : title;
}

/** The text of the first `<tag>…</tag>` in an XML document, entities decoded. */
export function xmlElement(xml: string, tag: string): string | null {
  const found = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(xml);
  return found?.[1] === undefined ? null : decodeEntities(found[1]).trim();
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const point = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(point) && point >= 0 && point <= 0x10ffff ? String.fromCodePoint(point) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Field access on parsed JSON without trusting its shape. */
export function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined; // a getter that throws: the caller handed us something hostile
  }
}

export function stringField(value: unknown, key: string): string | null {
  const found = field(value, key);
  return typeof found === 'string' && found !== '' ? found : null;
}

/**
 * A human message from a JSON body of unknown shape (an API gateway's
 * `{"message": …}`, a framework's `{"detail": …}`), for bodies that are not
 * in the provider's documented shape.
 */
export function anyMessage(body: ParsedBody): string | null {
  switch (body.kind) {
    case 'empty':
      return null;
    case 'text':
      return body.text;
    case 'html':
      return body.title;
    case 'xml':
      return xmlElement(body.text, 'Message') ?? xmlElement(body.text, 'message');
    case 'json': {
      if (typeof body.value === 'string') return body.value;
      for (const key of ['message', 'detail', 'error_description', 'title', 'error']) {
        const found = stringField(body.value, key);
        if (found) return found;
      }
      const nested = field(body.value, 'error');
      return stringField(nested, 'message');
    }
  }
}

/** Reads a property of a thrown value that may be anything, including an object whose getters throw. */
export function prop(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
