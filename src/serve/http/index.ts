/** The platform's one HTTP server: app assembly, authentication, listening. */
export { httpAppCreate, genericErrorResponse, remoteAddress, type HttpAppOptions, type HttpEnv, type HttpMount, type ErrorRenderer } from './app.js'
export {
  adminTokenEnsure, adminTokenPath, adminTokenMatcher, bearerTokenAuthenticator, noAuthenticator, credentialsParse, ADMIN_TOKEN_IDENTITY, ANONYMOUS_IDENTITY,
  type Authenticator, type Identity, type Credentials, type RequestInfo,
} from './auth.js'
export { httpServerStart, type RunningServer } from './server.js'
export { platformAuthenticator, auditSource, type PlatformAuthOptions } from './authenticator.js'
