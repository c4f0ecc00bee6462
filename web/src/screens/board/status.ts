/**
 * What a visit's block says about it: one kind, shown by a colour AND a symbol and a word
 * (the legend does not rely on colour alone). Colours keep WCAG AA contrast with white text.
 */

export type VisitKind = "scheduled" | "inProgress" | "done" | "flagged" | "conflicting" | "cancelled";

export const KINDS: ReadonlyArray<{ kind: VisitKind; label: string; symbol: string; color: string }> = [
  { kind: "scheduled", label: "Scheduled", symbol: "○", color: "#1d4f91" },
  { kind: "inProgress", label: "In progress", symbol: "▶", color: "#7a4f00" },
  { kind: "done", label: "Done", symbol: "✓", color: "#25632a" },
  { kind: "flagged", label: "Flagged", symbol: "⚑", color: "#8e1f62" },
  { kind: "conflicting", label: "Conflicting", symbol: "⚠", color: "#b3261e" },
  { kind: "cancelled", label: "Cancelled or missed", symbol: "✕", color: "#5f6368" },
];

export const KIND = Object.fromEntries(KINDS.map((k) => [k.kind, k])) as Record<VisitKind, (typeof KINDS)[number]>;

export type VisitFacts = {
  readonly status: string;
  readonly conflictOverride: { readonly conflicts: ReadonlyArray<unknown> } | null | undefined;
  readonly punchcard:
    | { readonly flags: ReadonlyArray<unknown>; readonly review: { readonly status: string } | null | undefined }
    | null
    | undefined;
};

/**
 * Flagged: its punches wait for the office (flags, or a pending review); then where it stands
 * (in progress, done); conflicting: booked over conflicts the API recorded (its override lists
 * them) and not yet under way; else scheduled.
 */
export function kindOf(visit: VisitFacts): VisitKind {
  if (visit.status === "CANCELLED" || visit.status === "MISSED") return "cancelled";
  const card = visit.punchcard;
  if (card && (card.flags.length > 0 || card.review?.status === "PENDING")) return "flagged";
  if (visit.status === "IN_PROGRESS") return "inProgress";
  if (visit.status === "COMPLETED") return "done";
  if ((visit.conflictOverride?.conflicts.length ?? 0) > 0) return "conflicting";
  return "scheduled";
}
