/** A payroll's lines as a table, one row per caregiver (PayrollLine): a stored payroll's, or
 * a preview's. On a phone the table scrolls sideways inside its box, not the page; the box
 * takes the keyboard's focus, to scroll it where no row has a button (a preview, a reader). */
import { Table, VisuallyHidden } from "@mantine/core";

import type { PayrollLine_line$key } from "./__generated__/PayrollLine_line.graphql";
import { PayrollLine } from "./PayrollLine";

type Line = PayrollLine_line$key & { readonly id: string };

/** `label`: the table's accessible name; `editable`: its lines may be adjusted. */
export function PayrollLines({ lines, currency, editable, label }: { lines: ReadonlyArray<Line>; currency: string; editable: boolean; label: string }) {
  return (
    // relative: the hidden "Actions" heading is placed absolutely, and would widen the page
    <Table.ScrollContainer minWidth={980} type="native" pos="relative" tabIndex={0} role="group"
      aria-label={`${label} (scrolls sideways)`}>
      <Table striped aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Caregiver</Table.Th>
            <Table.Th scope="col" ta="right">Regular h</Table.Th>
            <Table.Th scope="col" ta="right">Overtime h</Table.Th>
            <Table.Th scope="col" ta="right">Daily OT h</Table.Th>
            <Table.Th scope="col" ta="right">Holiday h</Table.Th>
            <Table.Th scope="col" ta="right">Travel</Table.Th>
            <Table.Th scope="col" ta="right">Mileage</Table.Th>
            <Table.Th scope="col" ta="right">Gross</Table.Th>
            <Table.Th scope="col" ta="right">Adjustments</Table.Th>
            <Table.Th scope="col" ta="right">Net</Table.Th>
            <Table.Th scope="col">
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {lines.map((line) => (
            <PayrollLine key={line.id} line={line} currency={currency} editable={editable} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
