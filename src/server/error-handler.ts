import type { FastifyError, FastifyInstance } from 'fastify';
import { badRequest, internalError, notFound, tooLarge, ZsError } from '../errors.js';

/** Fastify's own errors, mapped to the hub's stable codes. */
function fromFastify(err: FastifyError): ZsError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('invalid_json', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return tooLarge('request_too_large', 'The request body is larger than this hub accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ZsError(
        415,
        'unsupported_media_type',
        'Send the body as application/json.',
        'invalid_request_error',
      );
    case 'FST_ERR_VALIDATION':
      return badRequest('invalid_request', err.message);
    default:
      break;
  }
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return badRequest('invalid_json', 'The request body is not valid JSON.');
  }
  return null;
}

/**
 * The one place errors become HTTP answers: `{"error":{"message","type","code","param"}}` on every
 * surface. Anything that is not a ZsError is logged with the request id and answered with a
 * generic internal_error: no stack, message or upstream detail leaks.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = err instanceof ZsError ? err : fromFastify(err);
    const error = known ?? internalError();
    if (!known) request.log.error({ err, requestId: request.id }, 'internal error');
    else if (error.status >= 500)
      request.log.warn({ code: error.code, requestId: request.id }, error.message);
    if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
    return reply.status(error.status).send(error.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        notFound(
          'route_not_found',
          `No route ${request.method} ${request.url.split('?')[0]}.`,
        ).toBody(),
      ),
  );
}
