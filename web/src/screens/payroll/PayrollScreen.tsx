/**
 * Payroll: the pay periods (newest first), generating a period's payroll, and one payroll's
 * lines with their hours split (regular, overtime, daily overtime, holiday, travel), mileage,
 * adjustments and totals, to adjust and close. One query for the first paint: the list, and
 * the payroll chosen in the address (`?payroll=<id>`) when there is one.
 */
import { Stack, Text, Title } from "@mantine/core";
import { graphql, useLazyLoadQuery } from "react-relay";
import { useSearchParams } from "react-router";

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
  const [params, setParams] = useSearchParams();
  const chosen = params.get("payroll");
  const data = useLazyLoadQuery<PayrollScreenQuery>(query, {
    payroll: chosen ?? "",
    selected: chosen !== null,
  });
  const choose = (id: string) => setParams({ payroll: id });

  return (
    <Stack gap="lg">
      <Title order={1}>Payroll</Title>
      <GeneratePayroll connection={data.payrolls.__id} onGenerated={choose} />
      <PayrollList payrolls={data.payrolls} chosen={chosen} />
      {chosen === null ? null : data.selectedPayroll ? (
        <PayrollDetail payroll={data.selectedPayroll} />
      ) : (
        <Text role="alert">No payroll with this id in your account.</Text>
      )}
    </Stack>
  );
}
