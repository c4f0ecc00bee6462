/** A payroll's totals over all its lines: hours by kind, travel, mileage and pay. Shown by a
 * stored payroll and by a preview alike, so the clerk compares the same figures. */
import { SimpleGrid, Text } from "@mantine/core";
import { graphql, useFragment } from "react-relay";

import { formatMoney } from "../../lib/money";
import type { PayrollTotals_payroll$key } from "./__generated__/PayrollTotals_payroll.graphql";

const fragment = graphql`
  fragment PayrollTotals_payroll on Payroll {
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
  }
`;

export function PayrollTotals({ payroll, currency }: { payroll: PayrollTotals_payroll$key; currency: string }) {
  const data = useFragment(fragment, payroll);
  const money = (value: string | null | undefined) => (value == null ? "—" : formatMoney(value, currency));
  const totals: [string, string][] = [
    ["Hours", data.hours ?? "—"],
    ["Regular", data.regularHours ?? "—"],
    ["Overtime", data.overtimeHours ?? "—"],
    ["Daily overtime", data.dailyOvertimeHours ?? "—"],
    ["Holiday", data.holidayHours ?? "—"],
    ["Travel hours", data.travelHours ?? "—"],
    ["Travel pay", money(data.travelPay)],
    ["Mileage", `${data.mileageDistance ?? "—"} · ${money(data.mileageAmount)}`],
    ["Gross", money(data.gross)],
    ["Adjustments", money(data.adjustmentsTotal)],
    ["Net pay", money(data.net)],
  ];
  return (
    <SimpleGrid cols={{ base: 2, sm: 4, lg: 6 }} spacing="xs" component="dl" m={0} data-testid="payroll-totals">
      {totals.map(([label, value]) => (
        <div key={label}>
          <Text component="dt" size="sm" c="dimmed">
            {label}
          </Text>
          <Text component="dd" m={0} fw={600}>
            {value}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}
