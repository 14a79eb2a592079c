// Strict request handling, the first safety rule: no request parameter is ever ambiguous.
// - query strings: a parameter the route does not declare, a valueless flag (`?pending_delete`), an
//   empty value (`?state=`), a repeated parameter, or a value that is not exactly of its type (integers
//   in plain decimal, booleans exactly `true`/`false`) is a 400 naming the parameter;
// - bodies: validated without type coercion and without dropping unknown fields (Fastify's defaults
//   would coerce "true" to true and silently remove unknown properties).
import type { FastifyRequest } from 'fastify';
import { FailsmallError } from '../lib/errors.js';

/** Fastify ajv options: never coerce, never remove, stop at the first error. */
export const STRICT_AJV = {
  customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
} as const;

interface PropSchema {
  type?: string;
  anyOf?: PropSchema[];
}

const INTEGER = /^(0|-?[1-9][0-9]{0,15})$/;

function declaredType(s: PropSchema | undefined): string | undefined {
  if (!s) return undefined;
  if (s.type) return s.type;
  return s.anyOf?.find((x) => x.type)?.type;
}

function queryError(name: string, message: string): FailsmallError {
  return new FailsmallError('E_API_QUERY_PARAM', `query parameter ${JSON.stringify(name)}: ${message}`, {
    parameter: name,
    pointer: `/query/${name}`,
  });
}

/**
 * preValidation hook: rejects ambiguous query parameters and converts exact integer/boolean text to
 * its type, so that schema validation (without coercion) sees typed values or fails naming the field.
 */
export async function strictQuery(req: FastifyRequest): Promise<void> {
  const schema = req.routeOptions.schema?.querystring as { properties?: Record<string, PropSchema> } | undefined;
  const props = schema?.properties ?? {};
  const q = req.query as Record<string, unknown>;
  for (const [name, raw] of Object.entries(q)) {
    if (!(name in props)) {
      const known = Object.keys(props);
      throw queryError(
        name,
        `unknown parameter; this endpoint accepts ${known.length ? known.join(', ') : 'no query parameters'}`,
      );
    }
    if (Array.isArray(raw)) throw queryError(name, 'given more than once');
    if (raw === '') throw queryError(name, 'has no value; give one explicitly (there is no "match all" default)');
    if (typeof raw !== 'string') continue;
    const type = declaredType(props[name]);
    if (type === 'integer') {
      if (!INTEGER.test(raw)) throw queryError(name, `${JSON.stringify(raw)} is not an integer in plain decimal`);
      q[name] = Number(raw);
    } else if (type === 'boolean') {
      if (raw !== 'true' && raw !== 'false')
        throw queryError(name, `${JSON.stringify(raw)} is not exactly true or false`);
      q[name] = raw === 'true';
    }
  }
}

/** Turns an ajv error into a message naming the field. */
export function describeValidation(
  context: string,
  v: { instancePath?: string; keyword?: string; params?: Record<string, unknown>; message?: string },
): { field: string; message: string } {
  const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  let field = path;
  let what = v.message ?? 'is invalid';
  if (v.keyword === 'additionalProperties') {
    const extra = String(v.params?.additionalProperty);
    field = path ? `${path}.${extra}` : extra;
    what = 'is not a known field';
  } else if (v.keyword === 'required') {
    const missing = String(v.params?.missingProperty);
    field = path ? `${path}.${missing}` : missing;
    what = 'is required';
  } else if (v.keyword === 'minProperties') {
    what = 'needs at least one field';
  } else if (v.keyword === 'type' && path === '' && context === 'body') {
    what = 'a JSON object is required';
  }
  return {
    field: field || '(root)',
    message: `${context} ${field ? `field ${JSON.stringify(field)}` : ''} ${what}`.replace(/\s+/g, ' ').trim(),
  };
}
