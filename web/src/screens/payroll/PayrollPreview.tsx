/**
 * What generating a period would pay (a dry run of `payrollGenerate`): its totals, a line per
 * caregiver and the punchcards held back for review, with why. Nothing is stored until the
 * clerk generates it; the lines are shown as a stored payroll's are, without adjusting.
 */
import { Alert, Badge, Button, Group, List, Paper, Stack, Text, Title } from "@mantine/core";
import { graphql, useFragment } from "react-relay";

import { formatDate, formatDateTime } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import type { PayrollPreview_preview$key } from "./__generated__/PayrollPreview_preview.graphql";
import { PayrollLines } from "./PayrollLines";
import { PayrollTotals } from "./PayrollTotals";
import { READABLE } from "./notice";

const fragment = graphql`
  fragment PayrollPreview_preview on PayrollGeneratePayload {
    payroll {
      start
      end
      currency
      ...PayrollTotals_payroll
    }
    lines {
      id
      ...PayrollLine_line
    }
    heldForReview {
      reason
      punchcard {
        id
        user {
          name {
            first
            last
          }
        }
        actual {
          clockIn
        }
      }
    }
  }
`;

type Props = {
  preview: PayrollPreview_preview$key;
  generating: boolean;
  error: string | null;
  onGenerate: () => void;
  onDismiss: () => void;
};

export function PayrollPreview({ preview, generating, error, onGenerate, onDismiss }: Props) {
  const data = useFragment(fragment, preview);
  const viewer = useViewer();
  if (!data.payroll) return null;
  const currency = data.payroll.currency ?? viewer.currency;
  const period = `${formatDate(data.payroll.start)} – ${formatDate(data.payroll.end)}`;
  const held = data.heldForReview;

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="preview-heading" data-testid="payroll-preview"
      style={{ borderStyle: "dashed", borderWidth: 2 }}>
      <Stack gap="md">
        <Group justify="space-between" wrap="wrap">
          <Title order={2} size="h3" id="preview-heading">
            Preview of the payroll {period}
          </Title>
          <Badge size="lg" color="grape.9" variant="filled" style={{ maxWidth: "none", overflow: "visible" }}>
            Preview
          </Badge>
        </Group>
        <Alert color="yellow" styles={READABLE} title="Nothing is saved yet">
          This is what generating the period would pay now. No payroll is stored and no punchcard is marked until you
          generate it.
        </Alert>
        <PayrollTotals payroll={data.payroll} currency={currency} />
        <PayrollLines lines={data.lines} currency={currency} editable={false} label={`Lines of the preview ${period}`} />
        {held.length > 0 && (
          <Stack gap="xs" component="section" aria-labelledby="preview-held-heading">
            <Title order={3} size="h5" id="preview-held-heading">
              Held for review: not paid ({held.length})
            </Title>
            <List size="sm" spacing={4} data-testid="preview-held">
              {held.map((h, i) => {
                const name = h.punchcard?.user.name;
                const who = name ? `${name.first} ${name.last}` : "A punchcard";
                const when = h.punchcard?.actual ? `, ${formatDateTime(h.punchcard.actual.clockIn, viewer.timeZone)}` : "";
                return (
                  <List.Item key={h.punchcard?.id ?? i}>
                    <Text span fw={600} size="sm">
                      {who}
                      {when}:
                    </Text>{" "}
                    {h.reason}
                  </List.Item>
                );
              })}
            </List>
          </Stack>
        )}
        {error && (
          <Alert color="red" styles={READABLE} role="alert" data-testid="preview-generate-error">
            {error}
          </Alert>
        )}
        <Group>
          <Button loading={generating} onClick={onGenerate}>
            Generate this payroll
          </Button>
          <Button variant="default" onClick={onDismiss} disabled={generating}>
            Dismiss preview
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
