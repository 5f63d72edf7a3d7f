/** Options every I/O function takes last. */
export interface IoOptions {
  readonly signal?: AbortSignal
}

/** A page of a paged listing; `next` is absent on the last page. */
export interface Page<T> {
  readonly items: readonly T[]
  readonly next?: string
}

export type PageFetcher<T> = (token: string | undefined, opts: IoOptions) => Promise<Page<T>>

/** Walks a paged listing (catalog listings, S3 listings) as one async stream. */
export async function* paginate<T>(fetchPage: PageFetcher<T>, opts: IoOptions = {}): AsyncGenerator<T> {
  let token: string | undefined
  do {
    opts.signal?.throwIfAborted()
    const page = await fetchPage(token, opts)
    yield* page.items
    token = page.next
  } while (token)
}

/** Collects an async iterable into an array (for small listings only). */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}
