import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { IcebergError, IcebergRestCatalog } from 'iceberg-js'
import { startTestPlatform, type TestPlatform } from '../support/platform.js'

// The whole table lifecycle driven by a real third-party client, `iceberg-js`, against our REST catalog.
describe('iceberg-js against the Iceberg REST catalog', () => {
  let p: TestPlatform
  let catalog: IcebergRestCatalog
  before(async () => {
    p = await startTestPlatform()
    catalog = new IcebergRestCatalog({ baseUrl: `${p.baseUrl}/iceberg`, auth: { type: 'bearer', token: p.token } })
  })
  after(async () => {
    await p?.stop()
  })

  test('namespace → table → schema change → rename → drop', async () => {
    await catalog.createNamespace({ namespace: ['analytics'] }, { properties: { owner: 'data-team' } })
    await catalog.createNamespace({ namespace: ['analytics', 'raw'] })
    assert.equal(await catalog.namespaceExists({ namespace: ['analytics', 'raw'] }), true)
    assert.equal(await catalog.namespaceExists({ namespace: ['nowhere'] }), false)
    const { namespaces } = await catalog.listNamespaces()
    assert.deepEqual(namespaces, [{ namespace: ['analytics'] }])
    const children = await catalog.listNamespaces({ parent: { namespace: ['analytics'] } })
    assert.deepEqual(children.namespaces, [{ namespace: ['analytics', 'raw'] }])
    assert.deepEqual((await catalog.loadNamespaceMetadata({ namespace: ['analytics'] })).properties, { owner: 'data-team' })

    const created = await catalog.createTable({ namespace: ['analytics'] }, {
      name: 'events',
      schema: {
        type: 'struct',
        'schema-id': 0,
        fields: [
          { id: 1, name: 'id', type: 'long', required: true },
          { id: 2, name: 'ts', type: 'timestamptz', required: true },
          { id: 3, name: 'user_id', type: 'string', required: false },
        ],
      },
      'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }] },
      properties: { 'write.format.default': 'parquet' },
    })
    assert.equal(created['format-version'], 2)
    assert.equal(await catalog.tableExists({ namespace: ['analytics'], name: 'events' }), true)
    const listed = await catalog.listTables({ namespace: ['analytics'] })
    assert.deepEqual(listed.identifiers, [{ namespace: ['analytics'], name: 'events' }])

    const loaded = await catalog.loadTable({ namespace: ['analytics'], name: 'events' })
    assert.equal(loaded['table-uuid'], created['table-uuid'])
    const schema = loaded.schemas!.find(s => s['schema-id'] === loaded['current-schema-id'])!
    const committed = await catalog.updateTable({ namespace: ['analytics'], name: 'events' }, {
      requirements: [
        { type: 'assert-table-uuid', uuid: loaded['table-uuid'] },
        { type: 'assert-current-schema-id', 'current-schema-id': loaded['current-schema-id']! },
      ],
      updates: [
        { action: 'add-schema', schema: { ...schema, 'schema-id': 1, fields: [...schema.fields, { id: 4, name: 'country', type: 'string', required: false }] } },
        { action: 'set-current-schema', 'schema-id': -1 },
        { action: 'set-properties', updates: { comment: 'clickstream' } },
      ],
    } as never)
    assert.match(committed['metadata-location'], /00001-.*\.metadata\.json$/)
    const after1 = await catalog.loadTable({ namespace: ['analytics'], name: 'events' })
    const current = after1.schemas!.find(s => s['schema-id'] === after1['current-schema-id'])!
    assert.deepEqual(current.fields.map(f => f.name), ['id', 'ts', 'user_id', 'country'])
    assert.equal(after1.properties?.comment, 'clickstream')

    // A second client still holding the old schema id loses with a conflict it can recognise.
    await assert.rejects(
      catalog.updateTable({ namespace: ['analytics'], name: 'events' }, {
        requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': loaded['current-schema-id']! }],
        updates: [{ action: 'set-properties', updates: { stale: 'yes' } }],
      } as never),
      (e: unknown) => e instanceof IcebergError && e.status === 409 && e.icebergType === 'CommitFailedException',
    )

    await catalog.renameTable({ source: { namespace: ['analytics'], name: 'events' }, destination: { namespace: ['analytics', 'raw'], name: 'clicks' } })
    assert.equal(await catalog.tableExists({ namespace: ['analytics'], name: 'events' }), false)
    assert.equal((await catalog.loadTable({ namespace: ['analytics', 'raw'], name: 'clicks' }))['table-uuid'], created['table-uuid'])

    await catalog.dropTable({ namespace: ['analytics', 'raw'], name: 'clicks' }, { purge: true })
    assert.equal(await catalog.tableExists({ namespace: ['analytics', 'raw'], name: 'clicks' }), false)
    await assert.rejects(catalog.loadTable({ namespace: ['analytics', 'raw'], name: 'clicks' }), (e: unknown) => e instanceof IcebergError && e.isNotFound())
    await catalog.dropNamespace({ namespace: ['analytics', 'raw'] })
    await catalog.dropNamespace({ namespace: ['analytics'] })
    assert.equal(await catalog.namespaceExists({ namespace: ['analytics'] }), false)
  })

  test('a wrong token is refused with a 401 IcebergError', async () => {
    const intruder = new IcebergRestCatalog({ baseUrl: `${p.baseUrl}/iceberg`, auth: { type: 'bearer', token: 'wrong' } })
    await assert.rejects(intruder.listNamespaces(), (e: unknown) => e instanceof IcebergError && e.status === 401 && e.icebergType === 'NotAuthorizedException')
  })
})
