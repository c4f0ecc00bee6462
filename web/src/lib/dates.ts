/**
 * Dates and times in the account's time zone (`account.settings.timezone`), never the
 * browser's: a scheduler abroad sees the agency's day. The API sends DateTime as RFC 3339
 * strings in UTC and Date as `YYYY-MM-DD` (a calendar day, shown as it is).
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = timeZone + JSON.stringify(options);
  let found = formats.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(undefined, { timeZone, ...options });
    formats.set(key, found);
  }
  return found;
}

/** "Mon, Jun 2, 2025, 9:00 AM" in the zone. */
export function formatDateTime(iso: string, timeZone: string): string {
  return format(timeZone, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** "9:00 AM" in the zone. */
export function formatTime(iso: string, timeZone: string): string {
  return format(timeZone, { timeStyle: "short" }).format(new Date(iso));
}

/** The day of a DateTime in the zone, "Jun 2, 2025". */
export function formatDayOf(iso: string, timeZone: string): string {
  return format(timeZone, { dateStyle: "medium" }).format(new Date(iso));
}

/** A `Date` scalar ("2025-06-02"), shown as that calendar day whatever the zone. */
export function formatDate(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return format("UTC", { dateStyle: "medium" }).format(new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1)));
}

/** Today's date in the zone, as a `Date` scalar ("2025-06-02"). */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}
