/** One payroll: its totals, its lines (one per caregiver), and closing it once paid. */
import { Alert, Badge, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { graphql, useFragment, useMutation } from "react-relay";

import { formatDate, formatDateTime } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import { messageOf, userErrorText } from "../../relay/errors";
import type { PayrollDetail_payroll$key } from "./__generated__/PayrollDetail_payroll.graphql";
import type { PayrollDetailCloseMutation } from "./__generated__/PayrollDetailCloseMutation.graphql";
import { PayrollLines } from "./PayrollLines";
import { PayrollTotals } from "./PayrollTotals";
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
    ...PayrollTotals_payroll
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
        <PayrollTotals payroll={data} currency={currency} />
        <PayrollLines
          lines={data.users.edges.map((edge) => edge.node)}
          currency={currency}
          editable={canManage && !data.closed}
          label={`Lines of the payroll ${period}`}
        />
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
