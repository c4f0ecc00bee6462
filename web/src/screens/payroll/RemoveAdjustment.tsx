/** Taking an adjustment off a payroll line (`payrollUserAdjustmentRemove`), by its position. */
import { Button, Text } from "@mantine/core";
import { useState } from "react";
import { graphql, useMutation } from "react-relay";

import { messageOf } from "../../relay/errors";
import type { RemoveAdjustmentMutation } from "./__generated__/RemoveAdjustmentMutation.graphql";

const mutation = graphql`
  mutation RemoveAdjustmentMutation($id: ID!, $revision: Int!, $index: Int!) {
    payrollUserAdjustmentRemove(id: $id, revision: $revision, index: $index) {
      payrollUser {
        ...PayrollLine_changed
      }
      userErrors {
        message
      }
    }
  }
`;

type Props = { line: string; revision: number; index: number; label: string };

/** `label`: what the adjustment is, for the button's accessible name. */
export function RemoveAdjustment({ line, revision, index, label }: Props) {
  const [remove, removing] = useMutation<RemoveAdjustmentMutation>(mutation);
  const [error, setError] = useState<string | null>(null);

  function onClick() {
    setError(null);
    remove({
      variables: { id: line, revision, index },
      onCompleted: (answer) => {
        const problems = answer.payrollUserAdjustmentRemove.userErrors;
        if (problems.length > 0) setError(problems.map((p) => p.message).join(" "));
      },
      onError: (e) => setError(messageOf(e)),
    });
  }

  return (
    <>
      <Button size="compact-xs" variant="filled" color="red.9" ml="xs" loading={removing} onClick={onClick} aria-label={`Remove ${label}`}>
        Remove
      </Button>
      {error && (
        <Text size="xs" c="red.8" role="alert">
          {error}
        </Text>
      )}
    </>
  );
}
