/** The patient's invoices, newest first, with what is still due: for roles that read billing. */
import { Anchor, Table, Text } from "@mantine/core";
import { graphql, useFragment } from "react-relay";
import { Link } from "react-router";

import { formatDate } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { useViewer } from "../../lib/viewer";
import type { PatientInvoices_patient$key } from "./__generated__/PatientInvoices_patient.graphql";
import { Section, Tag } from "./Section";

const fragment = graphql`
  fragment PatientInvoices_patient on Patient {
    invoices(first: 10) {
      totalCount
      nodes {
        id
        number
        invoiceType
        invoiceDate
        dueDate
        status
        total
        amountDue
      }
    }
  }
`;

export function PatientInvoices({ patient }: { patient: PatientInvoices_patient$key }) {
  const { invoices } = useFragment(fragment, patient);
  const { currency } = useViewer();
  return (
    <Section title="Invoices" id="invoices-title">
      {invoices.nodes.length === 0 ? (
        <Text c="dimmed">No invoice yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table aria-label="Invoices">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Number</Table.Th>
                <Table.Th>Date</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Total</Table.Th>
                <Table.Th ta="right">Due</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invoices.nodes.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/billing?invoice=${encodeURIComponent(i.id)}`}>
                      {i.number ?? "(no number)"}
                    </Anchor>
                    {i.invoiceType === "CREDIT_NOTE" && " (credit note)"}
                  </Table.Td>
                  <Table.Td>{formatDate(i.invoiceDate)}</Table.Td>
                  <Table.Td>
                    <Tag>{i.status.replace("_", " ").toLowerCase()}</Tag>
                  </Table.Td>
                  <Table.Td ta="right">{i.total != null ? formatMoney(i.total, currency) : ""}</Table.Td>
                  <Table.Td ta="right">{i.amountDue != null ? formatMoney(i.amountDue, currency) : ""}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {invoices.totalCount > invoices.nodes.length && (
        <Text size="sm" c="dimmed" mt="xs">
          {invoices.totalCount - invoices.nodes.length} older invoices not shown.
        </Text>
      )}
    </Section>
  );
}
