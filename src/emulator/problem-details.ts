// The two framework-generated ProblemDetails bodies of [ApiController] (CONTRACT §2.3): automatic
// 400 ValidationProblemDetails and 415 Unsupported Media Type, in .NET 8 member order
// (type, title, status, errors, traceId). Pure apart from generating a W3C trace id.
import { randomBytes } from 'node:crypto';
import type { StjValue } from '../core/stj-json.js';
import type { ModelState } from './model-state.js';

/** Activity.Current.Id of the request: 00-<trace id>-<span id>-00. */
export function newTraceId(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
}

export function validationProblem(modelState: ModelState, traceId: string): StjValue {
  const errors: Record<string, StjValue> = {};
  for (const [key, messages] of modelState.entries()) errors[key] = messages;
  return {
    type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
    title: 'One or more validation errors occurred.',
    status: 400,
    errors,
    traceId,
  };
}

export function unsupportedMediaTypeProblem(traceId: string): StjValue {
  return {
    type: 'https://tools.ietf.org/html/rfc9110#section-15.5.16',
    title: 'Unsupported Media Type',
    status: 415,
    traceId,
  };
}
