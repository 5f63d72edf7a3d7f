/** The Trino client protocol: the gateway mount, its query registry, the error mapper, and a small client. */
export { trinoGateway, type TrinoGateway, type TrinoGatewayOptions } from './gateway.js'
export { TrinoQueryRegistry, DEFAULT_REGISTRY_OPTIONS, type QueryRegistryOptions, type QuerySummary } from './registry.js'
export { toTrinoQueryError, trinoErrorResponse, type TrinoQueryError } from './errors.js'
export { typeSignatureParse, type TypeSignature, type TypeArgument } from './type-signature.js'
export { sessionFromHeaders, sessionForRequest, sessionChangeHeaders, type ImpersonationCheck } from './session-headers.js'
export { TrinoClient, type TrinoClientOptions, type ClientResult } from './client.js'
