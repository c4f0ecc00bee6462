/** The pay periods, newest first: each with its status, hours and net pay, to review. */
import { Anchor, Badge, Table, Text, Title } from "@mantine/core";
import { graphql, useFragment } from "react-relay";
import { Link } from "react-router";

import { formatDate } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { useViewer } from "../../lib/viewer";
import type { PayrollList_payrolls$key } from "./__generated__/PayrollList_payrolls.graphql";
import type { PayrollList_row$key } from "./__generated__/PayrollList_row.graphql";

const listFragment = graphql`
  fragment PayrollList_payrolls on PayrollConnection {
    totalCount
    edges {
      node {
        id
        ...PayrollList_row
      }
    }
  }
`;

const rowFragment = graphql`
  fragment PayrollList_row on Payroll {
    id
    start
    end
    closed
    currency
    hours
    net
    lineCount: users(first: 1) {
      totalCount
    }
  }
`;

export function PayrollList({ payrolls, chosen }: { payrolls: PayrollList_payrolls$key; chosen: string | null }) {
  const data = useFragment(listFragment, payrolls);
  return (
    <section aria-labelledby="payrolls-heading">
      <Title order={2} size="h4" id="payrolls-heading" mb="xs">
        Pay periods
      </Title>
      {data.edges.length === 0 ? (
        <Text>No payroll yet: generate the first pay period above.</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Period</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Caregivers</Table.Th>
                <Table.Th scope="col" ta="right">Hours</Table.Th>
                <Table.Th scope="col" ta="right">Net pay</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.edges.map((edge) => (
                <PayrollRow key={edge.node.id} payroll={edge.node} chosen={edge.node.id === chosen} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

function PayrollRow({ payroll, chosen }: { payroll: PayrollList_row$key; chosen: boolean }) {
  const data = useFragment(rowFragment, payroll);
  const { currency } = useViewer();
  const period = `${formatDate(data.start)} – ${formatDate(data.end)}`;
  return (
    <Table.Tr aria-current={chosen ? "true" : undefined} data-testid="payroll-row">
      <Table.Td>
        <Anchor component={Link} to={`?payroll=${encodeURIComponent(data.id)}`} fw={chosen ? 700 : 500}>
          {period}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Badge color={data.closed ? "gray.7" : "blue.9"} variant="filled" style={{ maxWidth: "none", overflow: "visible" }}>
          {data.closed ? "Closed" : "Open"}
        </Badge>
      </Table.Td>
      <Table.Td>{data.lineCount.totalCount}</Table.Td>
      <Table.Td ta="right">{data.hours ?? "—"}</Table.Td>
      <Table.Td ta="right">{data.net != null ? formatMoney(data.net, data.currency ?? currency) : "—"}</Table.Td>
    </Table.Tr>
  );
}
