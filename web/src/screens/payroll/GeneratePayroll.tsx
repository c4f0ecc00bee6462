/** Generating a period's payroll (`payrollGenerate`): its days, then the lines it made. */
import { Alert, Button, Group, Paper, Stack, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { graphql, useMutation } from "react-relay";

import { messageOf } from "../../relay/errors";
import type { GeneratePayrollMutation } from "./__generated__/GeneratePayrollMutation.graphql";
import { READABLE } from "./notice";

const mutation = graphql`
  mutation GeneratePayrollMutation($period: PayrollPeriodInput!, $connections: [ID!]!) {
    payrollGenerate(period: $period) {
      payroll @prependNode(connections: $connections, edgeTypeName: "PayrollEdge") {
        id
        ...PayrollList_row
        ...PayrollDetail_payroll
      }
      heldForReview {
        reason
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

type Errors = { start?: string; end?: string; form?: string };

export function GeneratePayroll({ connection, onGenerated }: { connection: string; onGenerated: (id: string) => void }) {
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [held, setHeld] = useState<string | null>(null);
  const [generate, generating] = useMutation<GeneratePayrollMutation>(mutation);

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setErrors({});
    setHeld(null);
    generate({
      variables: { period: { start, end }, connections: [connection] },
      onCompleted: (answer) => {
        const result = answer.payrollGenerate;
        const found: Errors = {};
        for (const e of result.userErrors) {
          const field = e.field ?? "";
          const key = field.endsWith("start") ? "start" : field.endsWith("end") ? "end" : "form";
          found[key] = [found[key], e.message].filter(Boolean).join(" ");
        }
        setErrors(found);
        if (result.heldForReview.length > 0) {
          const count = result.heldForReview.length;
          setHeld(`${count} ${count === 1 ? "punchcard waits" : "punchcards wait"} for the office's review and ${count === 1 ? "was" : "were"} not paid.`);
        }
        if (result.payroll) onGenerated(result.payroll.id);
      },
      onError: (e) => setErrors({ form: messageOf(e) }),
    });
  }

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="generate-heading">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Title order={2} size="h4" id="generate-heading">
            Generate a pay period
          </Title>
          <Group align="flex-start" gap="sm">
            <TextInput type="date" label="First day" required value={start} error={errors.start}
              onChange={(e) => setStart(e.currentTarget.value)} />
            <TextInput type="date" label="Last day" required value={end} error={errors.end}
              onChange={(e) => setEnd(e.currentTarget.value)} />
          </Group>
          {errors.form && (
            <Alert color="red" styles={READABLE} role="alert" data-testid="generate-error">
              {errors.form}
            </Alert>
          )}
          {held && <Alert color="orange" styles={READABLE}>{held}</Alert>}
          <Group>
            <Button type="submit" loading={generating}>
              Generate payroll
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
