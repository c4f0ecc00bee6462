/**
 * The unpaid and aging list: invoices with something due (or all), at least so many days
 * overdue, searched by number or name, sorted (by amount due unless told), one page at a time.
 * Each change refetches this fragment alone.
 */
import { Anchor, Checkbox, Group, Select, Table, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { graphql, useRefetchableFragment } from "react-relay";

import { formatDate } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { ListCount, Pager, usePaging } from "../../lib/Pager";
import { useViewer } from "../../lib/viewer";
import { Section, Tag } from "../patients/Section";
import type { AgingList_query$key } from "./__generated__/AgingList_query.graphql";
import type { AgingListRefetchQuery, InvoiceOrderField } from "./__generated__/AgingListRefetchQuery.graphql";

export const AGING_PAGE = 20;

const fragment = graphql`
  fragment AgingList_query on Query
  @refetchable(queryName: "AgingListRefetchQuery")
  @argumentDefinitions(
    unpaid: { type: "Boolean", defaultValue: true }
    overdueBy: { type: "Int" }
    search: { type: "String" }
    orderBy: { type: "InvoiceOrder", defaultValue: { field: AMOUNT_DUE, direction: DESC } }
    first: { type: "Int" }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    invoices(
      filter: { unpaid: $unpaid, overdueBy: $overdueBy, search: $search }
      orderBy: $orderBy
      first: $first
      after: $after
      last: $last
      before: $before
    ) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      nodes {
        id
        number
        invoiceType
        status
        invoiceDate
        dueDate
        daysOverdue
        total
        amountDue
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
    }
  }
`;

const SORTS: Record<string, { field: InvoiceOrderField; direction: "ASC" | "DESC" }> = {
  "due-desc": { field: "AMOUNT_DUE", direction: "DESC" },
  "due-asc": { field: "AMOUNT_DUE", direction: "ASC" },
  "date-asc": { field: "DUE_DATE", direction: "ASC" },
  "number-desc": { field: "NUMBER", direction: "DESC" },
};

type Props = {
  query: AgingList_query$key;
  changes: number;
  chosen: string | null;
  onChoose: (id: string | null) => void;
};

export function AgingList({ query, changes, chosen, onChoose }: Props) {
  const [data, refetch] = useRefetchableFragment<AgingListRefetchQuery, AgingList_query$key>(fragment, query);
  const { currency } = useViewer();
  const [unpaid, setUnpaid] = useState(true);
  const [overdueBy, setOverdueBy] = useState("any");
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [sort, setSort] = useState("due-desc");
  const filters = {
    unpaid: unpaid ? true : null,
    overdueBy: overdueBy === "any" ? null : Number(overdueBy),
    search: debounced || null,
    orderBy: SORTS[sort],
  };
  const { pending, pager } = usePaging(refetch, filters, AGING_PAGE, [
    unpaid,
    overdueBy,
    debounced,
    sort,
    changes,
  ]);

  const { invoices } = data;
  return (
    <Section title="Unpaid and aging" id="aging-title">
      <Group align="end" mb="sm" wrap="wrap">
        <Checkbox label="Unpaid only" checked={unpaid} onChange={(e) => setUnpaid(e.currentTarget.checked)} mb={8} />
        <Select
          label="Overdue by"
          value={overdueBy}
          allowDeselect={false}
          onChange={(v) => v && setOverdueBy(v)}
          data={[
            { value: "any", label: "Any (due or not)" },
            { value: "1", label: "1 day or more" },
            { value: "30", label: "30 days or more" },
            { value: "60", label: "60 days or more" },
            { value: "90", label: "90 days or more" },
          ]}
          w={190}
        />
        <TextInput label="Search" placeholder="Number or name" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={200} />
        <Select
          label="Sort by"
          value={sort}
          allowDeselect={false}
          onChange={(v) => v && setSort(v)}
          data={[
            { value: "due-desc", label: "Amount due, largest first" },
            { value: "due-asc", label: "Amount due, smallest first" },
            { value: "date-asc", label: "Due date, oldest first" },
            { value: "number-desc", label: "Number, newest first" },
          ]}
          w={230}
        />
      </Group>
      <ListCount count={invoices.totalCount} noun="invoice" pending={pending} testId="aging-count" />
      <Table.ScrollContainer minWidth={720}>
        <Table striped highlightOnHover aria-label="Invoices" style={{ opacity: pending ? 0.6 : 1 }}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Number</Table.Th>
              <Table.Th>Patient</Table.Th>
              <Table.Th>Billed to</Table.Th>
              <Table.Th>Due date</Table.Th>
              <Table.Th>Overdue</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th ta="right">Total</Table.Th>
              <Table.Th ta="right">Amount due</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoices.nodes.map((i) => (
              <Table.Tr key={i.id} aria-selected={chosen === i.id} data-testid="invoice-row">
                <Table.Td>
                  <Anchor component="button" type="button" onClick={() => onChoose(i.id)}>
                    {i.number ?? "(no number)"}
                  </Anchor>
                  {i.invoiceType === "CREDIT_NOTE" && " (credit note)"}
                </Table.Td>
                <Table.Td>{i.patient?.name ? `${i.patient.name.first} ${i.patient.name.last}` : ""}</Table.Td>
                <Table.Td>{i.client?.name ?? "The patient"}</Table.Td>
                <Table.Td>{formatDate(i.dueDate)}</Table.Td>
                <Table.Td>{i.daysOverdue != null ? `${i.daysOverdue} days` : ""}</Table.Td>
                <Table.Td>
                  <Tag color={i.daysOverdue ? "red" : "blue"}>
                    {i.status.replace("_", " ").toLowerCase()}
                  </Tag>
                </Table.Td>
                <Table.Td ta="right">{i.total != null ? formatMoney(i.total, currency) : ""}</Table.Td>
                <Table.Td ta="right">{i.amountDue != null ? formatMoney(i.amountDue, currency) : ""}</Table.Td>
              </Table.Tr>
            ))}
            {invoices.nodes.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={8}>No invoice matches.</Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Pager {...pager(invoices)} />
    </Section>
  );
}
