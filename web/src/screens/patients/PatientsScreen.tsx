/**
 * The patients: a searchable, sortable list, one page at a time. The first paint is one query
 * (`PatientsScreenQuery`); searching, sorting and paging refetch the list's fragment alone.
 */
import { Title } from "@mantine/core";
import { graphql, useLazyLoadQuery } from "react-relay";

import type { PatientsScreenQuery } from "./__generated__/PatientsScreenQuery.graphql";
import { PAGE_SIZE, PatientList } from "./PatientList";

const query = graphql`
  query PatientsScreenQuery($first: Int!) {
    ...PatientList_query @arguments(first: $first)
  }
`;

export default function PatientsScreen() {
  const data = useLazyLoadQuery<PatientsScreenQuery>(query, { first: PAGE_SIZE });
  return (
    <>
      <Title order={1} mb="md">
        Patients
      </Title>
      <PatientList query={data} />
    </>
  );
}
