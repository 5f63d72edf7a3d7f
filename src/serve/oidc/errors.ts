import { ERROR_CODES, toAkkoError } from '../../core/index.js'

/**
 * Renders any error as an OAuth 2.0 error (RFC 6749 §5.2, RFC 6750 §3): `{error, error_description}`,
 * 401 for invalid_client (with a Basic challenge) and invalid_token (with a Bearer challenge), 500 for
 * server_error, 400 otherwise. The AkkoError code travels along as `code` for machines.
 */
export function oauthErrorResponse(err: unknown): Response {
  const e = toAkkoError(err)
  const given = typeof e.details.oauthError === 'string' ? e.details.oauthError : undefined
  const error = given ?? (e.code === 'UNAUTHENTICATED' ? 'invalid_token' : e.code === 'INTERNAL' ? 'server_error' : ERROR_CODES[e.code].http >= 500 ? 'temporarily_unavailable' : 'invalid_request')
  const status = error === 'invalid_client' || error === 'invalid_token' ? 401 : error === 'server_error' ? 500 : error === 'temporarily_unavailable' ? 503 : e.code === 'NOT_FOUND' ? 404 : 400
  const description = e.code === 'INTERNAL' ? 'Internal server error (this is a bug); the server log has the details' : e.message
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' }
  if (error === 'invalid_client') headers['www-authenticate'] = 'Basic realm="akko"'
  if (error === 'invalid_token') headers['www-authenticate'] = `Bearer realm="akko", error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"`
  return new Response(JSON.stringify({ error, error_description: description, code: e.code }), { status, headers })
}
