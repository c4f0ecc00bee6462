/** A payroll line: one caregiver's hours by kind, travel, mileage, adjustments (added and
 * removed here while the payroll is open) and pay. */
import { Button, List, Table, Text } from "@mantine/core";
import { useState } from "react";
import { graphql, useFragment } from "react-relay";

import { formatMoney } from "../../lib/money";
import type { PayrollLine_line$key } from "./__generated__/PayrollLine_line.graphql";
import { AdjustmentForm } from "./AdjustmentForm";
import { RemoveAdjustment } from "./RemoveAdjustment";

const fragment = graphql`
  fragment PayrollLine_line on PayrollUser {
    id
    revision
    user {
      name {
        first
        last
      }
    }
    hours
    regularHours
    overtimeHours
    dailyOvertimeHours
    holidayHours
    travelHours
    travelPay
    mileageDistance
    mileageAmount
    gross
    adjustmentsTotal
    net
    adjustments {
      kind
      description
      amount
    }
  }
`;

/**
 * What a change of a line (an adjustment added or removed) asks back: the line, and its
 * payroll's totals as the detail and the list show them. Spread in both mutations.
 */
export const changedLine = graphql`
  fragment PayrollLine_changed on PayrollUser {
    id
    ...PayrollLine_line
    payroll {
      id
      ...PayrollDetail_payroll
      ...PayrollList_row
    }
  }
`;

const KINDS: Record<string, string> = {
  MILEAGE: "Mileage",
  BONUS: "Bonus",
  DEDUCTION: "Deduction",
  REIMBURSEMENT: "Reimbursement",
  OTHER: "Other",
};

/** `editable`: the line may be adjusted (an open payroll, a viewer with MANAGE_PAYROLL). */
export function PayrollLine({ line, currency, editable }: { line: PayrollLine_line$key; currency: string; editable: boolean }) {
  const data = useFragment(fragment, line);
  const [adding, setAdding] = useState(false);
  const money = (value: string | null | undefined) => (value == null ? "—" : formatMoney(value, currency));
  const name = data.user.name ? `${data.user.name.first} ${data.user.name.last}` : "Caregiver";
  const adjustments = data.adjustments ?? [];

  return (
    <Table.Tr data-testid="payroll-line">
      <Table.Th scope="row" fw={600}>
        {name}
        {adjustments.length > 0 && (
          <List size="xs" c="dimmed" fw={400}>
            {adjustments.map((a, i) => {
              const said = `${KINDS[a.kind] ?? a.kind}${a.description ? ` (${a.description})` : ""}`;
              return (
                <List.Item key={i}>
                  {said}: {a.kind === "DEDUCTION" ? "-" : ""}
                  {money(a.amount)}
                  {editable && (
                    <RemoveAdjustment line={data.id} revision={data.revision} index={i} label={`${name}'s ${said.toLowerCase()}`} />
                  )}
                </List.Item>
              );
            })}
          </List>
        )}
      </Table.Th>
      <Table.Td ta="right">{data.regularHours ?? "—"}</Table.Td>
      <Table.Td ta="right">{data.overtimeHours ?? "—"}</Table.Td>
      <Table.Td ta="right">{data.dailyOvertimeHours ?? "—"}</Table.Td>
      <Table.Td ta="right">{data.holidayHours ?? "—"}</Table.Td>
      <Table.Td ta="right">
        {data.travelHours ?? "—"} h
        <Text size="xs" c="dimmed">
          {money(data.travelPay)}
        </Text>
      </Table.Td>
      <Table.Td ta="right">
        {data.mileageDistance ?? "—"}
        <Text size="xs" c="dimmed">
          {money(data.mileageAmount)}
        </Text>
      </Table.Td>
      <Table.Td ta="right">{money(data.gross)}</Table.Td>
      <Table.Td ta="right">{money(data.adjustmentsTotal)}</Table.Td>
      <Table.Td ta="right" fw={700}>
        {money(data.net)}
      </Table.Td>
      <Table.Td>
        {editable && (
          <Button size="xs" variant="outline" onClick={() => setAdding(true)} aria-label={`Adjust ${name}'s pay`}>
            Adjust
          </Button>
        )}
        {adding && (
          <AdjustmentForm line={data.id} revision={data.revision} name={name} onClose={() => setAdding(false)} />
        )}
      </Table.Td>
    </Table.Tr>
  );
}
