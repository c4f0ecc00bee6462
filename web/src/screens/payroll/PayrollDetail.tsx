/** One payroll: its totals, its lines (one per caregiver), and closing it once paid. */
import { Alert, Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useState } from "react";
import { graphql, useFragment, useMutation } from "react-relay";

import { formatDate, formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { useViewer } from "../../lib/viewer";
import { messageOf, userErrorText } from "../../relay/errors";
import type { PayrollDetail_payroll$key } from "./__generated__/PayrollDetail_payroll.graphql";
import type { PayrollDetailCloseMutation } from "./__generated__/PayrollDetailCloseMutation.graphql";
import { PayrollLine } from "./PayrollLine";
import { READABLE } from "./notice";

const fragment = graphql`
  fragment PayrollDetail_payroll on Payroll {
    id
    revision
    start
    end
    closed
    closedDate
    currency
    hours
    regularHours
    overtimeHours
    dailyOvertimeHours
    holidayHours
    travelHours
    travelPay
    mileageDistance
    mileageAmount
    holidayNotWorkedPay
    gross
    adjustmentsTotal
    net
    users(first: 100, orderBy: { field: CAREGIVER }) @connection(key: "PayrollDetail_users") {
      edges {
        node {
          id
          ...PayrollLine_line
        }
      }
    }
  }
`;

const closeMutation = graphql`
  mutation PayrollDetailCloseMutation($id: ID!, $revision: Int!) {
    payrollClose(id: $id, revision: $revision) {
      payroll {
        id
        ...PayrollDetail_payroll
        ...PayrollList_row
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export function PayrollDetail({ payroll, canManage }: { payroll: PayrollDetail_payroll$key; canManage: boolean }) {
  const data = useFragment(fragment, payroll);
  const viewer = useViewer();
  const currency = data.currency ?? viewer.currency;
  const money = (value: string | null | undefined) => (value == null ? "—" : formatMoney(value, currency));
  const [close, closing] = useMutation<PayrollDetailCloseMutation>(closeMutation);
  const [error, setError] = useState<string | null>(null);
  const period = `${formatDate(data.start)} – ${formatDate(data.end)}`;

  function closePayroll() {
    setError(null);
    close({
      variables: { id: data.id, revision: data.revision },
      onCompleted: (answer) => setError(userErrorText(answer.payrollClose.userErrors) || null),
      onError: (e) => setError(messageOf(e)),
    });
  }

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
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="payroll-heading">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3" id="payroll-heading">
            Payroll {period}
          </Title>
          <Badge size="lg" color={data.closed ? "gray.7" : "blue.9"} variant="filled" data-testid="payroll-status">
            {data.closed ? "Closed" : "Open"}
          </Badge>
        </Group>
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
        <Table.ScrollContainer minWidth={980}>
          <Table striped aria-label={`Lines of the payroll ${period}`}>
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
              {data.users.edges.map((edge) => (
                <PayrollLine
                  key={edge.node.id}
                  line={edge.node}
                  currency={currency}
                  editable={canManage && !data.closed}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {error && (
          <Alert color="red" styles={READABLE} role="alert" data-testid="close-error">
            {error}
          </Alert>
        )}
        {data.closed ? (
          <Text data-testid="closed-on">
            Closed{data.closedDate ? ` on ${formatDateTime(data.closedDate, viewer.timeZone)}` : ""}: it and its
            lines no longer change.
          </Text>
        ) : canManage ? (
          <Group>
            <Button color="dark" loading={closing} onClick={closePayroll}>
              Close payroll
            </Button>
            <Text size="sm" c="dimmed">
              Once paid: a closed payroll and its lines can no longer change.
            </Text>
          </Group>
        ) : null}
      </Stack>
    </Paper>
  );
}
