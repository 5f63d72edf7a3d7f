/**
 * PostgreSQL's array text output (`{1,NULL,"a \"b\""}`, nested `{{1,2},{3,4}}`, optional `[0:2]=` bounds) turned
 * into a JSON array of element texts, the form batch replication reads with `array_to_json(col::text[])`, so
 * logical replication's text values reach DuckDB the same way.
 * @module
 */
import { AkkoError } from '../../core/index.js'

/** Parses one array literal into nested arrays of strings and nulls. */
export function pgArrayParse(text: string): unknown[] {
  let i = 0
  if (text[0] === '[') {
    const eq = text.indexOf('=')
    if (eq < 0) throw bad(text)
    i = eq + 1
  }
  const parse = (): unknown[] => {
    if (text[i] !== '{') throw bad(text)
    i++
    const out: unknown[] = []
    if (text[i] === '}') {
      i++
      return out
    }
    for (;;) {
      if (text[i] === '{') out.push(parse())
      else if (text[i] === '"') {
        let s = ''
        i++
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++
          s += text[i++]
        }
        i++
        out.push(s)
      } else {
        let j = i
        while (j < text.length && text[j] !== ',' && text[j] !== '}') j++
        const raw = text.slice(i, j).trim()
        out.push(raw === 'NULL' ? null : raw)
        i = j
      }
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === '}') {
        i++
        return out
      }
      throw bad(text)
    }
  }
  const result = parse()
  if (i !== text.length) throw bad(text)
  return result
}

/** The JSON text of {@link pgArrayParse}'s result (null stays null). */
export function pgArrayToJson(text: string | null): string | null {
  return text === null ? null : JSON.stringify(pgArrayParse(text))
}

function bad(text: string): AkkoError {
  return new AkkoError('CONNECTOR_ERROR', `Cannot read the PostgreSQL array value ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`)
}
