/**
 * The Luhn (mod 10) check digit of payment card numbers (ISO/IEC 7812-1, Annex B).
 * @module
 */

/** The check digit that makes `body` followed by it pass the Luhn check. `body` holds digits only. */
export function luhnCheckDigit(body: string): number {
  let sum = 0
  // Doubling starts from the rightmost digit of the body (it sits left of the check digit).
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = body.charCodeAt(i) - 48
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return (10 - (sum % 10)) % 10
}

/** Whether `pan` is all digits (12 to 19 of them) and passes the Luhn check. */
export function luhnValid(pan: string): boolean {
  if (!/^\d{12,19}$/.test(pan)) return false
  return luhnCheckDigit(pan.slice(0, -1)) === pan.charCodeAt(pan.length - 1) - 48
}
