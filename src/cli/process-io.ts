import type { CliIo } from './command.js'

/** The real process as a CliIo: stdout/stderr, environment, working directory and stop signals. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    waitForShutdown: () =>
      new Promise(resolve => {
        const stop = (sig: string): void => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          resolve(sig)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      }),
  }
}
