/** The platform's one HTTP server: app assembly, authentication, listening. */
export { httpAppCreate, genericErrorResponse, type HttpAppOptions, type HttpEnv, type HttpMount, type ErrorRenderer } from './app.js'
export { adminTokenEnsure, adminTokenPath, bearerTokenAuthenticator, noAuthenticator, type Authenticator, type Identity } from './auth.js'
export { httpServerStart, type RunningServer } from './server.js'
