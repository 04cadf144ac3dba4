// IBAN checks (ISO 13616): the shape and the mod-97 check digits, so a mistyped account never reaches a buyer's email.

/** The IBAN without spaces, upper case; throws RangeError with the reason when it is not a valid IBAN. */
export function normaliseIban(input: string): string {
  const iban = input.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) throw new RangeError('not shaped like an IBAN (country, check digits, 11-30 letters or digits)');
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  if (remainder !== 1) throw new RangeError('check digits do not match (mod 97)');
  return iban;
}

/** Grouped by four for people to read and type: "PL61 1090 1014 …". */
export function formatIban(iban: string): string {
  return iban.replace(/(.{4})/g, '$1 ').trim();
}
