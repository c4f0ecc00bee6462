/**
 * Payroll: the pay periods (newest first), generating a period's payroll, and one payroll's
 * lines with their hours split (regular, overtime, daily overtime, holiday, travel), mileage,
 * adjustments and totals, to adjust and close. One query for the first paint: the list, and
 * the payroll chosen in the address (`?payroll=<id>`) when there is one. Read only (no
 * generating, adjusting nor closing) for a viewer without MANAGE_PAYROLL, as the auditor.
 */
import { Badge, Group, Stack, Text, Title } from "@mantine/core";
import { graphql, useLazyLoadQuery } from "react-relay";
import { useSearchParams } from "react-router";

import { can, useViewer } from "../../lib/viewer";
import type { PayrollScreenQuery } from "./__generated__/PayrollScreenQuery.graphql";
import { GeneratePayroll } from "./GeneratePayroll";
import { PayrollDetail } from "./PayrollDetail";
import { PayrollList } from "./PayrollList";

const query = graphql`
  query PayrollScreenQuery($payroll: ID!, $selected: Boolean!) {
    payrolls(first: 20, orderBy: { field: START, direction: DESC })
      @connection(key: "PayrollScreen_payrolls") {
      __id
      edges {
        node {
          id
        }
      }
      ...PayrollList_payrolls
    }
    selectedPayroll: payroll(id: $payroll) @include(if: $selected) {
      id
      ...PayrollDetail_payroll
    }
  }
`;

export default function PayrollScreen() {
  const viewer = useViewer();
  const manage = can(viewer, "MANAGE_PAYROLL");
  const [params, setParams] = useSearchParams();
  const chosen = params.get("payroll");
  const data = useLazyLoadQuery<PayrollScreenQuery>(query, {
    payroll: chosen ?? "",
    selected: chosen !== null,
  });
  const choose = (id: string) => setParams({ payroll: id });

  return (
    <Stack gap="lg">
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>Payroll</Title>
        {!manage && (
          <Badge color="gray" variant="outline">
            Read only
          </Badge>
        )}
      </Group>
      {manage && <GeneratePayroll connection={data.payrolls.__id} onGenerated={choose} />}
      <PayrollList payrolls={data.payrolls} chosen={chosen} />
      {chosen === null ? null : data.selectedPayroll ? (
        <PayrollDetail payroll={data.selectedPayroll} canManage={manage} />
      ) : (
        <Text role="alert">No payroll with this id in your account.</Text>
      )}
    </Stack>
  );
}
