/** The built-in OIDC issuer's HTTP routes (Keycloak paths under `/realms/akko`) and their OAuth error shape. */
export { oidcMount, discoveryDocument, type OidcMountOptions } from './oidc-mount.js'
export { oauthErrorResponse } from './errors.js'
