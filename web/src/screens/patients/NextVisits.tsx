/** The patient's next visits (from now, earliest first), in the account's time zone. */
import { Table, Text } from "@mantine/core";
import { graphql, useFragment } from "react-relay";

import { formatDayOf, formatTime } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import type { NextVisits_patient$key } from "./__generated__/NextVisits_patient.graphql";
import { Section } from "./Section";

const fragment = graphql`
  fragment NextVisits_patient on Patient {
    events(filter: { start: { start: $now } }, orderBy: { field: START, direction: ASC }, first: 8) {
      totalCount
      nodes {
        id
        start
        end
        status
        service {
          code
          description
        }
        attendees {
          name {
            first
            last
          }
        }
      }
    }
  }
`;

export function NextVisits({ patient }: { patient: NextVisits_patient$key }) {
  const { events } = useFragment(fragment, patient);
  const { timeZone } = useViewer();
  return (
    <Section title="Next visits" id="visits-title">
      {events.nodes.length === 0 ? (
        <Text c="dimmed">No visit booked from now on.</Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table aria-label="Next visits">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Service</Table.Th>
                <Table.Th>Caregiver</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.nodes.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>
                    {formatDayOf(e.start, timeZone)}, {formatTime(e.start, timeZone)} to {formatTime(e.end, timeZone)}
                  </Table.Td>
                  <Table.Td>{e.service?.description ?? e.service?.code ?? ""}</Table.Td>
                  <Table.Td>
                    {e.attendees.map((a) => (a.name ? `${a.name.first} ${a.name.last}` : "")).join(", ") || "Open"}
                  </Table.Td>
                  <Table.Td>{e.status.replace("_", " ").toLowerCase()}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {events.totalCount > events.nodes.length && (
        <Text size="sm" c="dimmed" mt="xs">
          {events.totalCount - events.nodes.length} more after these.
        </Text>
      )}
    </Section>
  );
}
