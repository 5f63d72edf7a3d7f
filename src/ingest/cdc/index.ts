/** The platform's CDC pipelines: started, restarted with backoff, stopped, and their status. */
export { CdcManager, cdcManagerCreate, type CdcManagerOptions, type CdcPipelineInfo } from './cdc-manager.js'
