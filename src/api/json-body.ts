// The strictness rule of query strings, applied to JSON bodies: a body is taken only when it means one
// thing. Pure: bytes in, a value or a FailsmallError out.
// - invalid UTF-8 is refused (decoding would silently turn it into U+FFFD: stored as one thing, echoed as
//   another);
// - a key given twice in one object is refused (JSON.parse keeps the last one, other parsers the first);
// - a NUL character or an unpaired UTF-16 surrogate (\u0000, \ud800) in any string, key or value, is
//   refused: PostgreSQL text cannot hold NUL (it answered 500) and stores a lone surrogate as U+FFFD while
//   the response and the audit entry kept it;
// - nesting deeper than MAX_JSON_DEPTH is refused (no field of the API nests past 4; a 100,000-deep body
//   would otherwise cost a recursive walk somewhere downstream).
import { FailsmallError } from '../lib/errors.js';

export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

interface Frame {
  /** Keys seen so far (objects), null for arrays. */
  keys: Set<string> | null;
  path: string;
  expectKey: boolean;
  lastKey: string;
  index: number;
}

/** Parses a JSON body; undefined for an empty one ("no body"). */
export function parseJsonBody(bytes: Uint8Array | string): unknown {
  let text: string;
  if (typeof bytes === 'string') text = bytes;
  else {
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new FailsmallError('E_API_TEXT', 'request body is not valid UTF-8', { pointer: '/body' });
    }
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FailsmallError('E_API_JSON', `request body is not valid JSON: ${(e as Error).message}`);
  }
  checkJsonText(text);
  return value;
}

/** Duplicate keys, NUL and unpaired surrogates, depth: one pass over text JSON.parse accepted. */
export function checkJsonText(text: string): void {
  const stack: Frame[] = [];
  const childPath = () => {
    const top = stack.at(-1);
    if (top === undefined) return '';
    return `${top.path}/${top.keys ? pointerToken(top.lastKey) : top.index}`;
  };
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let j = i + 1;
      let escaped = false;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 92) {
          escaped = true;
          j++;
        } else if (d === 34) break;
      }
      const raw = text.slice(i, j + 1);
      const s = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      const top = stack.at(-1);
      const isKey = top?.keys != null && top.expectKey;
      if (escaped && (s.includes('\u0000') || LONE_SURROGATE.test(s))) {
        const where = isKey ? `${childPath()}` : childPath();
        throw new FailsmallError(
          'E_API_TEXT',
          `${isKey ? 'a key' : 'a string'}${where ? ` at ${where}` : ''} holds ${s.includes('\u0000') ? 'a NUL character (\\u0000)' : 'an unpaired UTF-16 surrogate'}; text fields take neither`,
          { pointer: `/body${where}` },
        );
      }
      if (isKey && top?.keys) {
        if (top.keys.has(s)) {
          const pointer = `${top.path}/${pointerToken(s)}`;
          throw new FailsmallError(
            'E_API_JSON_DUPLICATE_KEY',
            `request body gives key ${JSON.stringify(s)} twice (at ${pointer || '/'}); give each key once`,
            {
              pointer: `/body${pointer}`,
            },
          );
        }
        top.keys.add(s);
        top.lastKey = s;
        top.expectKey = false;
      }
      i = j;
    } else if (c === 123 || c === 91) {
      const path = childPath();
      if (stack.length >= MAX_JSON_DEPTH) {
        throw new FailsmallError('E_API_BODY', `request body nests deeper than ${MAX_JSON_DEPTH} levels`, {
          pointer: `/body${path}`,
        });
      }
      stack.push({ keys: c === 123 ? new Set() : null, path, expectKey: c === 123, lastKey: '', index: 0 });
    } else if (c === 125 || c === 93) {
      stack.pop();
    } else if (c === 44) {
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    }
  }
}
