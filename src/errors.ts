/**
 * The one error hierarchy. Every failure a client can see is a ZsError with a stable `code`
 * (documented in docs/errors.md) and an HTTP status; it is turned into the OpenAI error body in
 * exactly one place (src/server/error-handler.ts). Anything else thrown is an internal error and
 * its message never reaches a client.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error';

export interface ErrorOptions {
  param?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  cause?: unknown;
}

export class ZsError extends Error {
  readonly param: string | undefined;
  readonly retryAfter: number | undefined;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: ErrorType,
    options: ErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ZsError';
    this.param = options.param;
    this.retryAfter = options.retryAfter;
  }

  toBody(): { error: { message: string; type: ErrorType; code: string; param: string | null } } {
    return {
      error: { message: this.message, type: this.type, code: this.code, param: this.param ?? null },
    };
  }
}

const make =
  (status: number, type: ErrorType) =>
  (code: string, message: string, options?: ErrorOptions): ZsError =>
    new ZsError(status, code, message, type, options);

export const badRequest = make(400, 'invalid_request_error');
export const unauthenticated = make(401, 'authentication_error');
export const forbidden = make(403, 'permission_error');
export const notFound = make(404, 'not_found_error');
export const conflict = make(409, 'invalid_request_error');
export const tooLarge = make(413, 'invalid_request_error');
export const rateLimited = make(429, 'rate_limit_error');
export const badGateway = make(502, 'server_error');
export const unavailable = make(503, 'server_error');
export const gatewayTimeout = make(504, 'server_error');

/** The client went away before the answer was complete (nginx's 499: nobody is there to read it). */
export const clientClosed = (): ZsError =>
  new ZsError(499, 'client_closed', 'The client closed the request.', 'invalid_request_error');

export const internalError = (): ZsError =>
  new ZsError(
    500,
    'internal_error',
    'The hub hit an internal error; see the request id in the logs.',
    'server_error',
  );

/** A config or usage problem found before the hub serves anything (CLI exit code 2 or 1). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
