/**
 * The list of patients: a search box (words that start words of the name), a sort, and pages
 * of PAGE_SIZE with the count of all that match. Each change refetches this fragment only.
 */
import { Anchor, Group, Select, Table, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { graphql, useRefetchableFragment } from "react-relay";
import { Link } from "react-router";

import { ListCount, Pager, usePaging } from "../../lib/Pager";
import { Tag } from "./Section";
import type { PatientList_query$key } from "./__generated__/PatientList_query.graphql";
import type { PatientListRefetchQuery } from "./__generated__/PatientListRefetchQuery.graphql";

export const PAGE_SIZE = 25;

const fragment = graphql`
  fragment PatientList_query on Query
  @refetchable(queryName: "PatientListRefetchQuery")
  @argumentDefinitions(
    search: { type: "String" }
    orderBy: { type: "PatientOrder", defaultValue: { field: NAME, direction: ASC } }
    first: { type: "Int" }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    patients(
      filter: { search: $search }
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
        fullName
        status
        phones {
          number
          primary
        }
        locations {
          city
          primary
        }
        languages {
          name
          code
        }
      }
    }
  }
`;

const SORTS: Record<string, { field: "NAME" | "CREATED_DATE"; direction: "ASC" | "DESC" }> = {
  "name-asc": { field: "NAME", direction: "ASC" },
  "name-desc": { field: "NAME", direction: "DESC" },
  "created-desc": { field: "CREATED_DATE", direction: "DESC" },
  "created-asc": { field: "CREATED_DATE", direction: "ASC" },
};

const STATUS_COLOR: Record<string, string> = {
  ACTIVE: "green",
  PROSPECT: "blue",
  ON_HOLD: "yellow",
  DISCHARGED: "gray",
  DECEASED: "dark",
};

function primaryOf<T extends { readonly primary: boolean }>(items: ReadonlyArray<T>): T | undefined {
  return items.find((i) => i.primary) ?? items[0];
}

export function PatientList({ query }: { query: PatientList_query$key }) {
  const [data, refetch] = useRefetchableFragment<PatientListRefetchQuery, PatientList_query$key>(fragment, query);
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [sort, setSort] = useState("name-asc");
  const { pending, pager } = usePaging(
    refetch,
    { search: debounced || null, orderBy: SORTS[sort] },
    PAGE_SIZE,
    [debounced, sort],
  );

  const { patients } = data;
  return (
    <>
      <Group align="end" mb="md" wrap="wrap">
        <TextInput
          label="Search by name"
          placeholder="jo sm"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={260}
        />
        <Select
          label="Sort by"
          value={sort}
          onChange={(v) => v && setSort(v)}
          allowDeselect={false}
          data={[
            { value: "name-asc", label: "Name, A to Z" },
            { value: "name-desc", label: "Name, Z to A" },
            { value: "created-desc", label: "Newest first" },
            { value: "created-asc", label: "Oldest first" },
          ]}
          w={200}
        />
      </Group>
      <ListCount count={patients.totalCount} noun="patient" pending={pending} testId="patients-count" />
      <Table.ScrollContainer minWidth={560}>
        <Table striped highlightOnHover aria-label="Patients" style={{ opacity: pending ? 0.6 : 1 }}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>City</Table.Th>
              <Table.Th>Phone</Table.Th>
              <Table.Th>Languages</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {patients.nodes.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/patients/${encodeURIComponent(p.id)}`}>
                    {p.fullName}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Tag color={STATUS_COLOR[p.status] ?? "gray"}>
                    {p.status.replace("_", " ").toLowerCase()}
                  </Tag>
                </Table.Td>
                <Table.Td>{primaryOf(p.locations)?.city ?? ""}</Table.Td>
                <Table.Td>{primaryOf(p.phones)?.number ?? ""}</Table.Td>
                <Table.Td>{p.languages.map((l) => l.name ?? l.code).join(", ")}</Table.Td>
              </Table.Tr>
            ))}
            {patients.nodes.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>No patient matches.</Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Pager {...pager(patients)} />
    </>
  );
}
