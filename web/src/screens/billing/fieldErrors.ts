/** A payload's userErrors by the field they name (its last segment: "input.amount" -> "amount");
 * those about no known field under "". */
export function fieldErrors(
  errors: ReadonlyArray<{ readonly field?: string | null; readonly message: string }>,
  fields: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const last = e.field?.split(".").pop() ?? "";
    const key = fields.includes(last) ? last : "";
    out[key] = [out[key], e.message].filter(Boolean).join(" ");
  }
  return out;
}
