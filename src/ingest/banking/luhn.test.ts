import { test } from 'node:test'
import assert from 'node:assert/strict'
import { luhnCheckDigit, luhnValid } from './luhn.js'

test('known test card numbers pass the Luhn check and altered ones fail', () => {
  for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4012888888881881']) {
    assert.ok(luhnValid(pan), pan)
    const altered = pan.slice(0, -1) + String((Number(pan.at(-1)) + 1) % 10)
    assert.ok(!luhnValid(altered), altered)
  }
})

test('the check digit completes a body into a valid number', () => {
  assert.equal(luhnCheckDigit('411111111111111'), 1)
  assert.equal(luhnCheckDigit('7992739871'), 3)
  for (const body of ['53000000000000', '377777777777', '601100000000000000']) assert.ok(luhnValid(`${body}${luhnCheckDigit(body)}`), body)
})

test('non-digits and implausible lengths are not valid card numbers', () => {
  assert.ok(!luhnValid('4111 1111 1111 1111'))
  assert.ok(!luhnValid('0'))
  assert.ok(!luhnValid(''))
  assert.ok(!luhnValid('41111111111111111111'))
})
