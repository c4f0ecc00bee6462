/** Care tickets about the patient, newest first. */
import { Group, Stack, Text } from "@mantine/core";
import { graphql, useFragment } from "react-relay";

import { formatDateTime } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import type { PatientTickets_patient$key } from "./__generated__/PatientTickets_patient.graphql";
import { Section, Tag } from "./Section";

const fragment = graphql`
  fragment PatientTickets_patient on Patient {
    tickets(first: 10) {
      totalCount
      nodes {
        id
        title
        urgencyStatus
        ticketStatus
        createdDate
      }
    }
  }
`;

const URGENCY_COLOR: Record<string, string> = { LOW: "gray", NORMAL: "blue", HIGH: "orange", CRITICAL: "red" };

export function PatientTickets({ patient }: { patient: PatientTickets_patient$key }) {
  const { tickets } = useFragment(fragment, patient);
  const { timeZone } = useViewer();
  return (
    <Section title="Care tickets" id="tickets-title">
      <Stack gap="xs">
        {tickets.nodes.length === 0 && <Text c="dimmed">No care ticket.</Text>}
        {tickets.nodes.map((t) => (
          <div key={t.id} data-testid="care-ticket">
            <Group gap="xs">
              <Text fw={500}>{t.title}</Text>
              <Tag color={URGENCY_COLOR[t.urgencyStatus] ?? "gray"}>
                {t.urgencyStatus.toLowerCase()}
              </Tag>
              <Tag>
                {t.ticketStatus.replace("_", " ").toLowerCase()}
              </Tag>
            </Group>
            <Text size="sm" c="dimmed">
              Raised {formatDateTime(t.createdDate, timeZone)}
            </Text>
          </div>
        ))}
        {tickets.totalCount > tickets.nodes.length && (
          <Text size="sm" c="dimmed">
            {tickets.totalCount - tickets.nodes.length} more not shown.
          </Text>
        )}
      </Stack>
    </Section>
  );
}
