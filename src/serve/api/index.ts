/** The platform's own HTTP API under `/api` (realm administration, and what other layers add). */
export { adminApi, type AdminApiOptions } from './admin.js'
export { dagsApi, DagsApiClient, type DagsApiOptions, type DagsOperations } from './dags.js'
export { cdcApi, cdcApiStatus, type CdcStatusSource } from './cdc.js'
