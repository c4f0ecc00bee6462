/**
 * Money as the API sends it: a Decimal string ("1234.5", "-0.10"), formatted without ever
 * becoming a floating-point number, so what is shown is what is stored, to the cent.
 */

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Round a decimal string half away from zero to `places` digits, as strings. */
function rounded(whole: string, fraction: string, places: number): [string, string] {
  if (fraction.length <= places) return [whole, fraction.padEnd(places, "0")];
  const kept = whole + fraction.slice(0, places);
  const up = (fraction.charCodeAt(places) - 48) >= 5;
  let digits = up ? increment(kept) : kept;
  digits = digits.padStart(places + 1, "0");
  return [digits.slice(0, digits.length - places), digits.slice(digits.length - places)];
}

function increment(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === "9") {
      out[i] = "0";
    } else {
      out[i] = String.fromCharCode((out[i] ?? "0").charCodeAt(0) + 1);
      return out.join("");
    }
  }
  return "1" + out.join("");
}

function grouped(whole: string): string {
  return whole.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The currency's symbol and whether it goes before the amount, from Intl. */
function symbolOf(currency: string): { symbol: string; before: boolean } {
  const parts = new Intl.NumberFormat("en", { style: "currency", currency, currencyDisplay: "narrowSymbol" }).formatToParts(0);
  const at = parts.findIndex((p) => p.type === "currency");
  const first = parts.findIndex((p) => p.type === "integer");
  return { symbol: parts[at]?.value ?? currency, before: at < first };
}

/**
 * "$1,234.50" (or "-$0.10") from "1234.5" and "CAD"/"USD"; a value that is not a decimal is
 * shown as given rather than guessed at.
 */
export function formatMoney(amount: string, currency = "USD", places = 2): string {
  const match = DECIMAL.exec(amount.trim());
  if (!match) return amount;
  const [, sign, whole = "0", fraction = ""] = match;
  const [w, f] = rounded(whole, fraction, places);
  const zero = /^0*$/.test(w + f);
  const number = grouped(w) + (places > 0 ? "." + f : "");
  const { symbol, before } = symbolOf(currency);
  const body = before ? symbol + number : `${number} ${symbol}`;
  return sign === "-" && !zero ? "-" + body : body;
}
