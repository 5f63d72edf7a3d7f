import { spawn, type ChildProcess } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { createInterface } from 'node:readline'
import { repoRoot } from './paths.js'

/** A loopback S3 server for one test file. */
export interface S3TestServer {
  readonly endpoint: string
  readonly region: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** Requests the server has received so far, by HTTP method (GET, HEAD, PUT, …). */
  requestCounts(): Promise<Record<string, number>>
  /** Uploads every file under `dir` as `<prefix>/<relative path>`; returns the number of files. */
  uploadDir(bucket: string, prefix: string, dir: string): Promise<number>
  stop(): Promise<void>
}

// The server process. s3rver serves path-style requests from a data folder; this wrapper adds:
// - `If-None-Match: *` on PUT, which AWS S3 and MinIO honour and s3rver ignores, so conditional
//   creates can be tested (an in-flight set makes two racing creates see each other);
// - `GET /__akko/stats`, request counts by method ("__akko" is not a valid bucket name);
// - exit when the parent goes away (stdin closes), so a crashed test never leaves it running.
const CHILD = String.raw`
const http = require('node:http')
const S3rver = require('s3rver')
const [dir, bucketsJson] = process.argv.slice(1)
const app = new S3rver({ directory: dir, silent: true, vhostBuckets: false,
  configureBuckets: JSON.parse(bucketsJson).map((name) => ({ name, configs: [] })) })
const handle = app.callback()
const counts = {}
const creating = new Set()
function split(url) {
  const path = url.split('?')[0]
  const slash = path.indexOf('/', 1)
  if (slash < 0) return undefined
  return { bucket: decodeURIComponent(path.slice(1, slash)), key: decodeURIComponent(path.slice(slash + 1)) }
}
const server = http.createServer(async (req, res) => {
  if (req.url === '/__akko/stats') { res.setHeader('content-type', 'application/json'); return res.end(JSON.stringify(counts)) }
  counts[req.method] = (counts[req.method] || 0) + 1
  const target = req.method === 'PUT' && req.headers['if-none-match'] === '*' && !/[?&](uploadId|partNumber)=/.test(req.url) ? split(req.url) : undefined
  if (target) {
    const id = target.bucket + '/' + target.key
    if (creating.has(id) || await app.store.existsObject(target.bucket, target.key)) {
      req.resume()
      res.statusCode = 412
      res.setHeader('content-type', 'application/xml')
      return res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
        '<Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>')
    }
    creating.add(id)
    res.on('close', () => creating.delete(id))
  }
  handle(req, res)
})
app.configureBuckets().then(() => server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
}))
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
`

const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/**
 * Starts s3rver in a separate process on 127.0.0.1 and a free port, with a fresh data folder and
 * the given buckets. Credentials are s3rver's fixed S3RVER/S3RVER; use path-style addressing.
 */
export async function startS3Server(opts: { buckets?: string[] } = {}): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'akko-s3rver-'))
  // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers
  // through its legacy provider: without it every second page of a listing fails with HTTP 500.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, dir, JSON.stringify(opts.buckets ?? [])], {
    cwd: repoRoot(),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  running.add(child)
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port))
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening: ${stderr}`)))
  })
  const endpoint = `http://127.0.0.1:${port}`
  // The port is printed once the socket listens; one request proves it answers.
  await fetch(`${endpoint}/__akko/stats`)
  const server: S3TestServer = {
    endpoint,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    requestCounts: async () => (await (await fetch(`${endpoint}/__akko/stats`)).json()) as Record<string, number>,
    uploadDir: (bucket, prefix, from) => uploadDir(server, bucket, prefix, from),
    stop: async () => {
      if (running.delete(child)) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
  return server
}

async function uploadDir(server: S3TestServer, bucket: string, prefix: string, dir: string): Promise<number> {
  const { S3Client, PutObjectCommand, CreateBucketCommand, HeadBucketCommand } = await import('@aws-sdk/client-s3')
  const client = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  })
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket })).catch(() => client.send(new CreateBucketCommand({ Bucket: bucket })))
    const files = await walk(dir)
    const base = prefix.replace(/^\/+|\/+$/g, '')
    for (const file of files) {
      const rel = relative(dir, file).split(sep).join('/')
      const size = (await stat(file)).size
      const Key = base ? `${base}/${rel}` : rel
      await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: createReadStream(file), ContentLength: size }))
    }
    return files.length
  } finally {
    client.destroy()
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, ent.name)
    if (ent.isDirectory()) out.push(...(await walk(full)))
    else if (ent.isFile()) out.push(full)
  }
  return out
}
