// The v4 envelope, once for the whole API: `{success, errors, messages, result, result_info?}` as
// values (ok, okList, errorBody) and as TypeBox schemas (envelope, listEnvelope, ErrorEnvelope) for the
// response schemas and the OpenAPI document.
import { type TSchema, Type } from '@sinclair/typebox';
import { httpOf } from './errors.js';

export function ok<T>(result: T) {
  return { success: true as const, errors: [], messages: [], result };
}
export function okList<T>(items: T[], page: number, perPage: number, total: number) {
  return {
    success: true as const,
    errors: [],
    messages: [],
    result: items,
    result_info: { page, per_page: perPage, count: items.length, total_count: total },
  };
}
/** A whole list in one page. */
export function okAll<T>(items: readonly T[]) {
  return okList([...items], 1, Math.max(items.length, 1), items.length);
}

/** The error envelope of `code`: the numeric code clients decode, our string code, the field it names. */
export function errorBody(code: string, message: string, pointer?: string) {
  return {
    success: false as const,
    errors: [{ code: httpOf(code).number, message, error_code: code, ...(pointer ? { source: { pointer } } : {}) }],
    messages: [],
    result: null,
  };
}

const Message = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  error_code: Type.Optional(Type.String()),
  source: Type.Optional(Type.Object({ pointer: Type.String() })),
});
const ResultInfo = Type.Object({
  page: Type.Integer(),
  per_page: Type.Integer(),
  count: Type.Integer(),
  total_count: Type.Integer(),
});

/** The v4 envelope around one result. */
export function envelope<T extends TSchema>(result: T) {
  return Type.Object({ success: Type.Boolean(), errors: Type.Array(Message), messages: Type.Array(Message), result });
}
/** The v4 envelope around a list, with result_info. */
export function listEnvelope<T extends TSchema>(item: T) {
  return Type.Object({
    success: Type.Boolean(),
    errors: Type.Array(Message),
    messages: Type.Array(Message),
    result: Type.Array(item),
    result_info: ResultInfo,
  });
}
export const ErrorEnvelope = Type.Object(
  { success: Type.Literal(false), errors: Type.Array(Message), messages: Type.Array(Message), result: Type.Null() },
  { description: 'Every error: the HTTP status plus this body' },
);
