import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { locationAsFolder, locationJoin, locationNormalize, locationParse } from './location.js'

describe('locationParse / locationNormalize', () => {
  test('the three S3 schemes address the same object', () => {
    for (const scheme of ['s3', 's3a', 's3n', 'S3A']) {
      assert.deepEqual(locationParse(`${scheme}://hyperparam-iceberg/spark/bunnies/metadata/v5.metadata.json`), {
        scheme: 's3',
        bucket: 'hyperparam-iceberg',
        key: 'spark/bunnies/metadata/v5.metadata.json',
      })
    }
    assert.equal(locationNormalize('s3a://b-1/k'), 's3://b-1/k')
    assert.equal(locationNormalize('s3n://b-1'), 's3://b-1/')
  })

  test('local forms all become file:///abs/path, normalized', () => {
    for (const loc of ['/w/db/t/x.parquet', 'file:/w/db/t/x.parquet', 'file:///w/db/t/x.parquet', 'file://localhost/w/db/t/x.parquet', '/w//db/./t/../t/x.parquet']) {
      assert.equal(locationNormalize(loc), 'file:///w/db/t/x.parquet', loc)
    }
    assert.equal(locationNormalize('/w/dir/'), 'file:///w/dir')
    assert.equal(locationNormalize('/'), 'file:///')
  })

  test('keys are raw, never percent-decoded; spaces and unicode are kept', () => {
    assert.deepEqual(locationParse('s3://bkt/a%20b/Breed Name/ü.parquet'), { scheme: 's3', bucket: 'bkt', key: 'a%20b/Breed Name/ü.parquet' })
    assert.equal(locationNormalize('file:///tmp/a b/ü%41'), 'file:///tmp/a b/ü%41')
  })

  test('relative paths, unknown schemes, missing or bad buckets and remote file hosts are INVALID_ARGUMENT', () => {
    for (const bad of ['', 'relative/x.parquet', './x', 'gs://bucket/x', 'hdfs://nn/x', 's3://', 's3:///key', 's3a://b/x', 's3://Bad Bucket/x', 'file://otherhost/x', 'file:relative']) {
      assert.throws(() => locationParse(bad), { code: 'INVALID_ARGUMENT' }, bad)
    }
    assert.throws(() => locationParse('gs://bucket/x'), /Unsupported location scheme "gs:"/)
    assert.throws(() => locationParse('s3:///key'), /no bucket/)
  })
})

describe('locationJoin', () => {
  test('joins with or without a trailing slash on the root', () => {
    assert.equal(locationJoin('s3://b-1/wh', 'db/t/v1.json'), 's3://b-1/wh/db/t/v1.json')
    assert.equal(locationJoin('s3a://b-1/wh/', 'db/t'), 's3://b-1/wh/db/t')
    assert.equal(locationJoin('s3://b-1', 'k'), 's3://b-1/k')
    assert.equal(locationJoin('s3://b-1/', 'k'), 's3://b-1/k')
    assert.equal(locationJoin('/w/', 'db/t'), 'file:///w/db/t')
    assert.equal(locationJoin('/', 'x'), 'file:///x')
    assert.equal(locationJoin('s3://b-1/wh', ''), 's3://b-1/wh')
    assert.equal(locationJoin('s3://b-1/wh', 'a b/ü.parquet'), 's3://b-1/wh/a b/ü.parquet')
  })

  test('refuses absolute keys and ".." so a joined location stays under its root', () => {
    for (const key of ['/etc/passwd', 's3://other/x', 'file:///x', 'a/../../x', '..']) {
      assert.throws(() => locationJoin('s3://b-1/wh', key), { code: 'INVALID_ARGUMENT' }, key)
    }
  })

  test('locationAsFolder ends with exactly one slash', () => {
    assert.equal(locationAsFolder('s3a://b-1/a/b'), 's3://b-1/a/b/')
    assert.equal(locationAsFolder('s3://b-1/a/b/'), 's3://b-1/a/b/')
    assert.equal(locationAsFolder('s3://b-1'), 's3://b-1/')
    assert.equal(locationAsFolder('/w/a'), 'file:///w/a/')
    assert.equal(locationAsFolder('/'), 'file:///')
  })
})
