import { catalogRestContract } from '../contracts/catalog-rest.contract.js'
import { startTestPlatform } from '../support/platform.js'

// The embedded default: PGlite metastore and the local-disk warehouse.
catalogRestContract('PGlite + local disk', () => startTestPlatform())
