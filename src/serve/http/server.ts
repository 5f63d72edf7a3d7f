import { serve, type ServerType } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import type { Hono } from 'hono'
import { AkkoError } from '../../core/index.js'

/** A listening HTTP server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080` (the real port when 0 was asked for). */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/** Starts `app` on host:port (port 0 picks a free one). A port in use fails with INVALID_CONFIG. */
export function httpServerStart(app: { fetch: (req: Request, env: any) => Response | Promise<Response> }, opts: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(new AkkoError('INVALID_CONFIG', `Cannot listen on ${opts.host}:${opts.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (set AKKO_PORT)' : e.message}`, { host: opts.host, port: opts.port }))
    }
    server = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }, info => {
      server.off('error', onError)
      const port = (info as AddressInfo).port
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host
      resolve({ url: `http://${host}:${port}`, port, close: () => closeServer(server) })
    })
    server.once('error', onError)
  })
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve())
    // Keep-alive connections would hold close() open until clients time out.
    if ('closeAllConnections' in server) (server as { closeAllConnections(): void }).closeAllConnections()
  })
}
