/**
 * Generating a period's payroll (`payrollGenerate`): its days; a preview first (a dry run:
 * what it would pay, nothing stored), then the payroll itself, whose lines the screen shows.
 */
import { Alert, Button, Group, Paper, Stack, TextInput, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { graphql, useMutation, useRelayEnvironment } from "react-relay";
import { createOperationDescriptor, getRequest } from "relay-runtime";

import { messageOf } from "../../relay/errors";
import type { GeneratePayrollMutation } from "./__generated__/GeneratePayrollMutation.graphql";
import type { GeneratePayrollPreviewMutation } from "./__generated__/GeneratePayrollPreviewMutation.graphql";
import type { PayrollPreview_preview$key } from "./__generated__/PayrollPreview_preview.graphql";
import { PayrollPreview } from "./PayrollPreview";
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

const previewMutation = graphql`
  mutation GeneratePayrollPreviewMutation($period: PayrollPeriodInput!) {
    payrollGenerate(period: $period, options: { dryRun: true }) {
      payroll {
        id
      }
      ...PayrollPreview_preview
      userErrors {
        field
        message
        code
      }
    }
  }
`;

type Errors = { start?: string; end?: string; form?: string };
type Period = { start: string; end: string };
type UserErrors = ReadonlyArray<{ readonly field?: string | null; readonly message: string }>;

/** A dry run's answer, shown while the form still names its period. */
type Preview = { period: Period; payload: PayrollPreview_preview$key };

/** The API's refusals by the field they name: the period's first or last day, or the form. */
function errorsOf(userErrors: UserErrors): Errors {
  const found: Errors = {};
  for (const e of userErrors) {
    const field = e.field ?? "";
    const key = field.endsWith("start") ? "start" : field.endsWith("end") ? "end" : "form";
    found[key] = [found[key], e.message].filter(Boolean).join(" ");
  }
  return found;
}

function heldNotice(count: number): string | null {
  if (count === 0) return null;
  return `${count} ${count === 1 ? "punchcard waits" : "punchcards wait"} for the office's review and ${count === 1 ? "was" : "were"} not paid.`;
}

export function GeneratePayroll({ connection, onGenerated }: { connection: string; onGenerated: (id: string) => void }) {
  const environment = useRelayEnvironment();
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [held, setHeld] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [generate, generating] = useMutation<GeneratePayrollMutation>(mutation);
  const [dryRun, previewing] = useMutation<GeneratePayrollPreviewMutation>(previewMutation);
  // a mutation's answer is not retained: a garbage collection of the store while the preview
  // shows would empty it, so it is kept until dismissed, replaced or the form goes
  useEffect(() => {
    if (!preview) return undefined;
    const operation = createOperationDescriptor(getRequest(previewMutation), { period: preview.period });
    const retained = environment.retain(operation);
    return () => retained.dispose();
  }, [environment, preview]);
  const shown = preview && preview.period.start === start && preview.period.end === end ? preview : null;

  function generateFor(period: Period, refused: (found: Errors) => void) {
    setHeld(null);
    generate({
      variables: { period, connections: [connection] },
      onCompleted: (answer) => {
        const result = answer.payrollGenerate;
        refused(errorsOf(result.userErrors));
        setHeld(heldNotice(result.heldForReview.length));
        if (result.payroll) {
          setPreview(null);
          onGenerated(result.payroll.id);
        }
      },
      onError: (e) => refused({ form: messageOf(e) }),
    });
  }

  function previewFor(period: Period) {
    setHeld(null);
    setPreview(null);
    dryRun({
      variables: { period },
      onCompleted: (answer) => {
        const result = answer.payrollGenerate;
        setErrors(errorsOf(result.userErrors));
        if (result.payroll) setPreview({ period, payload: result });
      },
      onError: (e) => setErrors({ form: messageOf(e) }),
    });
  }

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setErrors({});
    setPreviewError(null);
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    if (submitter?.getAttribute("value") === "preview") previewFor({ start, end });
    else generateFor({ start, end }, setErrors);
  }

  function generatePreviewed(period: Period) {
    setPreviewError(null);
    generateFor(period, (found) => setPreviewError([found.start, found.end, found.form].filter(Boolean).join(" ") || null));
  }

  return (
    <>
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
              {/* first, so that Enter in a day previews rather than generates */}
              <Button type="submit" name="intent" value="preview" loading={previewing} disabled={generating}>
                Preview
              </Button>
              <Button type="submit" name="intent" value="generate" variant="outline" loading={generating && !shown}
                disabled={previewing}>
                Generate payroll
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      {shown && (
        <PayrollPreview
          preview={shown.payload}
          generating={generating}
          error={previewError}
          onGenerate={() => generatePreviewed(shown.period)}
          onDismiss={() => setPreview(null)}
        />
      )}
    </>
  );
}
