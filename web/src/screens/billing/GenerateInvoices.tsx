/**
 * A period's invoices: a dry run shows what the batch would make (nothing stored, no number
 * taken), then the batch makes them, each patient's invoice in its own transaction, and
 * reports what it made, what it refused and why.
 */
import { Alert, Button, Group, Progress, Stack, Table, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { graphql, useMutation } from "react-relay";

import { formatMoney } from "../../lib/money";
import { todayIn } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import { messageOf } from "../../relay/errors";
import { Section } from "../patients/Section";
import type {
  GenerateInvoicesMutation,
  GenerateInvoicesMutation$data,
} from "./__generated__/GenerateInvoicesMutation.graphql";
import { followNewInvoices, type Follow } from "./batchProgress";
import { fieldErrors } from "./fieldErrors";

const generate = graphql`
  mutation GenerateInvoicesMutation($period: BillingPeriodInput!, $dryRun: Boolean!) {
    invoiceGenerateBatch(billingPeriod: $period, options: { dryRun: $dryRun }) {
      report {
        patientsConsidered
        punchcardsBilled
        subtotal
        taxTotal
        total
        invoices {
          id
          number
          total
          services {
            code
          }
          patient {
            name {
              first
              last
            }
          }
          client {
            name
          }
        }
        failed {
          patient
          errors {
            message
          }
        }
        heldForReview {
          id
          reason
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

type Report = NonNullable<GenerateInvoicesMutation$data["invoiceGenerateBatch"]["report"]>;

/** Monday to Sunday of the week holding `day` (a Date scalar), as Date scalars. */
function weekOf(day: string): [string, string] {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1));
  const monday = new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * 86_400_000);
  const sunday = new Date(monday.getTime() + 6 * 86_400_000);
  return [monday.toISOString().slice(0, 10), sunday.toISOString().slice(0, 10)];
}

export function GenerateInvoices({ onGenerated }: { onGenerated: () => void }) {
  const { timeZone, currency } = useViewer();
  const [week] = useState(() => weekOf(todayIn(timeZone)));
  const [start, setStart] = useState(week[0]);
  const [end, setEnd] = useState(week[1]);
  const [preview, setPreview] = useState<{ period: string; report: Report } | null>(null);
  const [done, setDone] = useState<Report | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [commit, running] = useMutation<GenerateInvoicesMutation>(generate);
  const [dryRunning, setDryRunning] = useState(false);
  const [made, setMade] = useState<number | null>(null);
  const [starting, setStarting] = useState(false);
  const period = `${start}/${end}`;
  const previewed = preview?.period === period ? preview.report : null;

  async function generateFollowed() {
    // the batch's progress: each invoice as it commits, from the API's live changes
    setStarting(true);
    setMade(0);
    const expected = previewed?.invoices.length ?? 0;
    let count = 0;
    let follow: Follow | null = null;
    follow = await followNewInvoices(() => {
      count += 1;
      setMade(count);
      if (count >= expected) follow?.stop();
    });
    setStarting(false);
    // changes may arrive a moment after the batch answers: listen a little longer
    run(false, () => window.setTimeout(() => follow?.stop(), 3000));
  }

  function run(dryRun: boolean, finished: () => void = () => undefined) {
    setErrors({});
    setDone(null);
    if (dryRun) setPreview(null);
    setDryRunning(dryRun);
    commit({
      variables: { period: { start, end }, dryRun },
      onCompleted: ({ invoiceGenerateBatch: answer }) => {
        finished();
        if (answer.userErrors.length || !answer.report) {
          setErrors(fieldErrors(answer.userErrors, ["start", "end"]));
          return;
        }
        if (dryRun) {
          setPreview({ period, report: answer.report });
        } else {
          setPreview(null);
          setDone(answer.report);
          onGenerated();
        }
      },
      onError: (e) => {
        finished();
        setErrors({ "": messageOf(e) });
      },
    });
  }

  return (
    <Section title="Generate invoices" id="generate-title">
      <Stack gap="sm">
        <Group align="end" wrap="wrap">
          <TextInput type="date" label="First day billed" value={start} error={errors.start} onChange={(e) => setStart(e.currentTarget.value)} />
          <TextInput type="date" label="Last day billed" value={end} error={errors.end} onChange={(e) => setEnd(e.currentTarget.value)} />
          <Button variant="default" onClick={() => run(true)} loading={running && dryRunning} disabled={running}>
            Preview (dry run)
          </Button>
          <Button
            onClick={() => void generateFollowed()}
            disabled={!previewed || previewed.invoices.length === 0 || running || starting}
            loading={starting || (running && !dryRunning)}
          >
            Generate {previewed ? previewed.invoices.length : ""} invoices
          </Button>
        </Group>
        {errors[""] && (
          <Alert color="red" role="alert">
            {errors[""]}
          </Alert>
        )}
        {(running || starting) && !dryRunning && (
          <div role="status" aria-live="polite">
            <Text size="sm" data-testid="batch-progress">
              {made ? `${made} of ${previewed?.invoices.length ?? "?"} invoices made` : "Generating invoices"}, each patient's in its own
              transaction…
            </Text>
            <Progress
              value={made && previewed?.invoices.length ? (100 * made) / previewed.invoices.length : 100}
              animated
              striped
              aria-label="Invoices made"
            />
          </div>
        )}
        {previewed && <ReportView report={previewed} currency={currency} title="Preview: nothing is stored yet" testId="batch-preview" />}
        {done && <ReportView report={done} currency={currency} title="Invoices generated" testId="batch-report" />}
      </Stack>
    </Section>
  );
}

function ReportView({ report, currency, title, testId }: { report: Report; currency: string; title: string; testId: string }) {
  return (
    <Stack gap="xs" data-testid={testId} role="region" aria-label={title}>
      <Text fw={600}>{title}</Text>
      <Text size="sm">
        {report.invoices.length} invoice{report.invoices.length === 1 ? "" : "s"} for {report.patientsConsidered} patient
        {report.patientsConsidered === 1 ? "" : "s"}, {report.punchcardsBilled} visits billed; total{" "}
        {formatMoney(report.total, currency)} (taxes {formatMoney(report.taxTotal, currency)}).
        {report.heldForReview.length > 0 && ` ${report.heldForReview.length} visits wait for review and are not billed.`}
      </Text>
      {report.failed.length > 0 && (
        <Alert color="orange" title={`${report.failed.length} patients not invoiced`}>
          {report.failed.map((f) => (
            <Text key={f.patient} size="sm">
              {f.errors.map((e) => e.message).join(" ")}
            </Text>
          ))}
        </Alert>
      )}
      {report.invoices.length > 0 && (
        <Table.ScrollContainer minWidth={420} mah={320}>
          <Table aria-label={title} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Number</Table.Th>
                <Table.Th>Patient</Table.Th>
                <Table.Th>Billed to</Table.Th>
                <Table.Th ta="right">Total</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.invoices.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>{i.number ?? "not yet"}</Table.Td>
                  <Table.Td>{i.patient?.name ? `${i.patient.name.first} ${i.patient.name.last}` : ""}</Table.Td>
                  <Table.Td>{i.client?.name ?? "The patient"}</Table.Td>
                  <Table.Td ta="right">{i.total != null ? formatMoney(i.total, currency) : ""}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
