/**
 * Wall-clock times in the account's time zone, for the board. The calendar component knows
 * only fixed UTC offsets, so the board gives it "floating" wall-clock strings in the agency's
 * zone (right across a DST change) and turns what it answers back into instants here.
 */

const partFormats = new Map<string, Intl.DateTimeFormat>();

function partsIn(timeZone: string, at: Date): Record<string, number> {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partFormats.set(timeZone, format);
  }
  const out: Record<string, number> = {};
  for (const part of format.formatToParts(at)) {
    if (part.type !== "literal") out[part.type] = Number(part.value);
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "2025-06-02T09:00:00": the instant's wall clock in the zone. */
export function wallClock(iso: string, timeZone: string): string {
  const p = partsIn(timeZone, new Date(iso));
  return `${p.year}-${pad(p.month ?? 1)}-${pad(p.day ?? 1)}T${pad(p.hour ?? 0)}:${pad(p.minute ?? 0)}:${pad(p.second ?? 0)}`;
}

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(timeZone: string, at: number): number {
  const p = partsIn(timeZone, new Date(at));
  const asUtc = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The instant (RFC 3339, UTC) of a wall-clock time "2025-06-02T09:00" in the zone. */
export function instantOf(wall: string, timeZone: string): string {
  const [day = "", time = "00:00"] = wall.split("T");
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm, ss] = time.split(":").map(Number);
  const guess = Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0, ss ?? 0);
  let at = guess - offsetAt(timeZone, guess);
  // the offset at the answer may differ (a DST change between guess and answer)
  at = guess - offsetAt(timeZone, at);
  return new Date(at).toISOString().replace(".000Z", "Z");
}

/** A calendar day "2025-06-02" plus some days. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/** The Monday of the week holding a calendar day. */
export function mondayOf(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const weekday = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1)).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

/** RFC 5545 weekday codes, Monday first, with their names. */
export const WEEKDAYS: ReadonlyArray<{ code: string; name: string }> = [
  { code: "MO", name: "Monday" },
  { code: "TU", name: "Tuesday" },
  { code: "WE", name: "Wednesday" },
  { code: "TH", name: "Thursday" },
  { code: "FR", name: "Friday" },
  { code: "SA", name: "Saturday" },
  { code: "SU", name: "Sunday" },
];

/** The RFC 5545 weekday code of a calendar day. */
export function weekdayCode(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const weekday = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1)).getUTCDay();
  return WEEKDAYS[(weekday + 6) % 7]?.code ?? "MO";
}
