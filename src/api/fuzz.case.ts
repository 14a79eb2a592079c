// The hostile-input fuzzer of the HTTP API, driven by the server's own OpenAPI document (/openapi.json),
// so it covers every operation that exists. Every request it makes is refused by construction: it carries
// at least one fault (a bad token, a malformed path id, an unknown, valueless, repeated or mistyped query
// parameter, a body of the wrong type, an unknown or missing field, NUL or an unpaired surrogate, a
// duplicate key, deep nesting, a huge or non-JSON or non-UTF-8 body), dressed with noise that is valid on
// its own (injection strings, odd unicode) in the other fields. So every answer must be a 4xx (never a
// 2xx, never a 5xx) and the database and audit log must be the same afterwards.
import { xorshift32 } from '../lib/random.js';

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /client/v4/accounts/{account_id}/addressing/prefixes */
  path: string;
  pathParams: string[];
  query: { name: string; type: string | undefined }[];
  body: JsonSchema | undefined;
}

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  pattern?: string;
  items?: JsonSchema;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** The faults it carries (what makes it a request that must be refused). */
  faults: string[];
  operation: string;
}

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; schema?: { type?: string } }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

/** Every operation of an OpenAPI document. */
export function operationsOf(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters ?? [];
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, type: p.schema?.type })),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return out;
}

/** Valid on their own, hostile in intent: what a free-text field may hold and must store as sent. */
export const NOISE = [
  "'; DROP TABLE prefixes; --",
  '" OR 1=1 --',
  '$(rm -rf /)',
  '{{7*7}}',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '\u202e\u0645\u0631\u062d\u0628\u0627', // right-to-left override, Arabic
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  '\u200b\u200c\u200d\ufeff', // zero-width characters, BOM
  '\ud83c\udff3\ufe0f\u200d\ud83c\udf08', // a ZWJ emoji sequence
  'ｆｕｌｌｗｉｄｔｈ',
  '\u00ff\u0100\uffff',
  '%00%ff%2e%2e',
  'null',
  '',
];

/** Strings that must be refused wherever they go. */
const FORBIDDEN_TEXT = ['a\u0000b', '\u0000', 'x\ud800', '\udfff', 'a\udbff\u0041'];

const HOSTILE_IDS = [
  "1' OR '1'='1",
  '0'.repeat(31),
  'G'.repeat(32),
  'A'.repeat(32),
  'f'.repeat(33),
  '%00',
  '..%2f..%2f',
  '%ed%a0%80',
  '😀'.repeat(8),
  'x'.repeat(5000),
  ' ',
];

export interface FuzzContext {
  /** Valid values of path parameters by name (seeded objects), so requests get past routing. */
  ids: Record<string, string[]>;
  /** Tokens that authenticate, by role: their use alone never makes a request invalid. */
  tokens: { read: string; write: string; admin: string; otherAccount: string };
}

export class HostileRequests {
  private readonly rnd: () => number;

  constructor(
    private readonly ops: Operation[],
    private readonly ctx: FuzzContext,
    seed: number,
  ) {
    const next = xorshift32(seed);
    this.rnd = () => next() / 2 ** 32;
  }

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** Request number i of the run: operations in turn, faults at random. */
  next(i: number): FuzzRequest {
    const op = this.ops[i % this.ops.length]!;
    const faults: string[] = [];
    const params: Record<string, string> = {};
    for (const p of op.pathParams) params[p] = this.pick(this.ctx.ids[p] ?? ['0'.repeat(32)]);
    const query: [string, string | undefined][] = [];
    for (const q of op.query) if (this.rnd() < 0.3) query.push([q.name, q.type === 'integer' ? '1' : 'active']);
    let headers: Record<string, string> = { authorization: `Bearer ${this.token(op)}` };
    let payload: string | Buffer | undefined = op.body ? JSON.stringify(this.validBody(op.body)) : undefined;

    const kinds = ['auth', 'query'];
    if (op.pathParams.length > 0) kinds.push('path');
    if (op.body) kinds.push('body', 'body', 'body');
    else if (op.method !== 'GET' && op.pathParams.length === 0) kinds.push('auth');
    const count = 1 + (this.rnd() < 0.3 ? 1 : 0);
    for (let k = 0; k < count; k++) {
      const kind = this.pick(kinds);
      if (kind === 'auth') headers = this.authFault(faults, headers);
      else if (kind === 'path') {
        const p = this.pick(op.pathParams);
        params[p] = encodeURIComponent(this.pick(HOSTILE_IDS)).replaceAll('%25', '%');
        faults.push(`path ${p}`);
      } else if (kind === 'query') this.queryFault(op, query, faults);
      else payload = this.bodyFault(op.body!, faults, (h) => Object.assign(headers, h));
    }
    let url = op.path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => params[name] ?? '');
    if (query.length > 0)
      url += `?${query.map(([k, v]) => (v === undefined ? k : `${k}=${encodeURIComponent(v)}`)).join('&')}`;
    if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    return { method: op.method, url, headers, payload, faults, operation: `${op.method} ${op.path}` };
  }

  /** A token that authenticates: the right one for the route when the fault is elsewhere. */
  private token(op: Operation): string {
    if (op.path.startsWith('/client/v4/admin')) return this.ctx.tokens.admin;
    return op.method === 'GET' ? this.ctx.tokens.read : this.ctx.tokens.write;
  }

  private authFault(faults: string[], headers: Record<string, string>): Record<string, string> {
    const variants: [string, Record<string, string>][] = [
      ['no token', {}],
      ['unknown token', { authorization: `Bearer fs_${'A'.repeat(this.int(60) + 1)}` }],
      ['malformed token', { authorization: `Bearer ${this.pick(NOISE)}\u00e9` }],
      ['empty bearer', { authorization: 'Bearer ' }],
      ['basic auth', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
      ['huge token', { authorization: `Bearer fs_${'x'.repeat(8000)}` }],
      ['token with NUL', { authorization: 'Bearer fs_%00abc' }],
    ];
    const [name, h] = this.pick(variants);
    faults.push(`auth: ${name}`);
    const { authorization: _, ...rest } = headers;
    return { ...rest, ...h };
  }

  private queryFault(op: Operation, query: [string, string | undefined][], faults: string[]): void {
    const declared = op.query.map((q) => q.name);
    const variants = ['unknown'];
    if (declared.length > 0) variants.push('valueless', 'empty', 'repeated', 'mistyped');
    const v = this.pick(variants);
    const name = declared.length > 0 ? this.pick(declared) : 'q';
    const type = op.query.find((q) => q.name === name)?.type;
    if (v === 'unknown')
      query.push([this.pick(['pending_delete', 'STATE', '__proto__', 'constructor', 'a[b]', '%00']), this.pick(NOISE)]);
    else if (v === 'valueless') query.push([name, undefined]);
    else if (v === 'empty') query.push([name, '']);
    else if (v === 'repeated') query.push([name, '1'], [name, '2']);
    else
      query.push([
        name,
        type === 'integer'
          ? this.pick(['0x10', '1e3', '-0', '1.5', '99999999999999999999', ' 1', this.pick(NOISE)])
          : `${this.pick(NOISE)}\u0000`,
      ]);
    faults.push(`query ${v} ${name}`);
  }

  /** A body that satisfies the schema (its strings are noise). */
  private validBody(s: JsonSchema): unknown {
    return this.valueFor(s, 0);
  }

  private valueFor(s: JsonSchema, depth: number): unknown {
    if (s.anyOf) return this.valueFor(this.pick(s.anyOf), depth);
    if (s.enum) return this.pick(s.enum);
    switch (s.type) {
      case 'object': {
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(s.properties ?? {})) {
          if ((s.required ?? []).includes(k) || this.rnd() < 0.5) o[k] = this.valueFor(v, depth + 1);
        }
        return o;
      }
      case 'array':
        return s.items ? [this.valueFor(s.items, depth + 1)] : [];
      case 'integer':
        return this.pick([0, 1, 3, 64500, 4294967294]);
      case 'boolean':
        return this.rnd() < 0.5;
      case 'null':
        return null;
      default:
        if (s.pattern) return this.pick(this.ctx.ids.account_id ?? ['0'.repeat(32)]);
        return this.pick([...NOISE, '198.51.100.0/24', '2001:db8::/48', 'cdn', 'magic_transit']);
    }
  }

  private bodyFault(
    schema: JsonSchema,
    faults: string[],
    setHeaders: (h: Record<string, string>) => void,
  ): string | Buffer {
    const body = this.validBody(schema) as Record<string, unknown>;
    const props = Object.entries(schema.properties ?? {});
    const v = this.pick([
      'wrong type',
      'unknown field',
      'missing field',
      'forbidden text',
      'duplicate key',
      'deep',
      'huge',
      'not json',
      'not utf-8',
      'not an object',
      'wrong content type',
    ]);
    faults.push(`body: ${v}`);
    switch (v) {
      case 'wrong type': {
        if (props.length === 0) return '[]';
        const [k, p] = this.pick(props);
        const t = p.type ?? p.anyOf?.[0]?.type;
        body[k] =
          t === 'string'
            ? this.pick([1, true, [], {}, 1.5])
            : t === 'integer'
              ? this.pick(['1', 1.5, -1e308, true, null, []])
              : this.pick(['true', 1, 'x']);
        if (t === 'integer' && this.rnd() < 0.5) body[k] = this.pick([-1, 2 ** 53, 99999999999]);
        return JSON.stringify(body);
      }
      case 'unknown field':
        body[this.pick(['__proto__x', 'id', 'account_id_', 'constructor', this.pick(NOISE) || 'x'])] = this.pick(NOISE);
        return JSON.stringify(body);
      case 'missing field': {
        const req = schema.required ?? [];
        if (req.length === 0) return '{}';
        delete body[this.pick(req)];
        return JSON.stringify(body);
      }
      case 'forbidden text': {
        const strings = props.filter(([, p]) => p.type === 'string' || p.anyOf?.some((a) => a.type === 'string'));
        if (strings.length === 0) return JSON.stringify({ ...body, [this.pick(FORBIDDEN_TEXT)]: 1 });
        body[this.pick(strings)[0]] = this.pick(NOISE) + this.pick(FORBIDDEN_TEXT);
        return JSON.stringify(body);
      }
      case 'duplicate key': {
        const keys = Object.keys(body);
        const k = keys.length > 0 ? this.pick(keys) : 'name';
        return `{${JSON.stringify(k)}:1,${JSON.stringify(body).slice(1, -1)}${keys.length ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(body[k] ?? 1)}}`.replace(
          '{,',
          '{',
        );
      }
      case 'deep': {
        const d = 33 + this.int(20_000);
        return `${'['.repeat(d)}${']'.repeat(d)}`;
      }
      case 'huge':
        return JSON.stringify({ ...body, description: 'x'.repeat(1_100_000 + this.int(100_000)) });
      case 'not json':
        return this.pick([
          '{',
          '{"a":}',
          "{'a':1}",
          'NaN',
          '{"a":1}garbage',
          '\u0000',
          JSON.stringify(body).slice(0, -1),
        ]);
      case 'not utf-8':
        return Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
      case 'not an object':
        return this.pick(['[]', '1', '"x"', 'null', 'true', '[{}]']);
      default:
        setHeaders({
          'content-type': this.pick([
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/xml',
            'multipart/form-data; boundary=x',
          ]),
        });
        return JSON.stringify(body);
    }
  }
}
