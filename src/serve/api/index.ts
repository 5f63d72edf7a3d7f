/** The platform's own HTTP API under `/api` (realm administration, and what other layers add). */
export { adminApi, type AdminApiOptions } from './admin.js'
