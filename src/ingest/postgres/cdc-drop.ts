/**
 * Removing a CDC pipeline from the source server.
 * @module
 */
import { cdcServerUrl, cdcSlotName, sleep } from './cdc-types.js'
import { pgError, pgIdent, pgServerClient, type PgSourceSpec } from './pg-source.js'

/**
 * Drops a pipeline's replication slot and publication (its Iceberg tables stay). A walsender still holding the
 * slot is terminated first.
 */
export async function cdcDrop(opts: { readonly source: PgSourceSpec; readonly name: string }): Promise<{ slotDropped: boolean; publicationDropped: boolean }> {
  const url = cdcServerUrl(opts.source)
  const slot = cdcSlotName(opts.name)
  const client = await pgServerClient(url)
  try {
    let slotDropped = false
    for (let attempt = 0; attempt < 50; attempt++) {
      const r = await client.query(`SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1`, [slot])
      if (r.rowCount === 0) break
      const pid = (r.rows[0] as { active_pid: number | null }).active_pid
      if (pid !== null) await client.query('SELECT pg_terminate_backend($1)', [pid])
      try {
        await client.query('SELECT pg_drop_replication_slot($1)', [slot])
        slotDropped = true
        break
      } catch (e) {
        if ((e as { code?: string }).code !== '55006') throw e
        await sleep(100)
      }
    }
    await client.query(`DROP PUBLICATION IF EXISTS ${pgIdent(slot)}`)
    return { slotDropped, publicationDropped: true }
  } catch (e) {
    throw pgError(e, url, `dropping the CDC pipeline ${opts.name}`)
  } finally {
    await client.end().catch(() => undefined)
  }
}
