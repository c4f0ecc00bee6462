/** One visit of the caregiver's day: who, where, when, what to do, the punches and the note. */
import { Anchor, Badge, Card, Group, List, Stack, Text, Title } from "@mantine/core";
import { useId } from "react";
import { graphql, useFragment } from "react-relay";
import { Link } from "react-router";

import { formatTime } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import type { DayVisit_visit$key } from "./__generated__/DayVisit_visit.graphql";
import { Punches } from "./Punches";
import { VisitNote } from "./VisitNote";

const fragment = graphql`
  fragment DayVisit_visit on Event {
    id
    status
    start
    end
    notes
    service {
      code
      description
    }
    location {
      address1
      address2
      city
      region
      postalCode
      notes
    }
    patient {
      name {
        first
        last
      }
      location {
        address1
        address2
        city
        region
        postalCode
        notes
      }
      record {
        id
        checklist {
          items {
            title
            required
            notes
          }
          notes
        }
      }
    }
    punchcard {
      id
      ...VisitNote_punchcard
    }
    ...Punches_visit
  }
`;

// filled, in shades dark enough for white text (WCAG AA)
const STATUS: Record<string, { label: string; color: string }> = {
  SCHEDULED: { label: "Scheduled", color: "blue.9" },
  CONFIRMED: { label: "Confirmed", color: "blue.9" },
  IN_PROGRESS: { label: "In progress", color: "violet.9" },
  COMPLETED: { label: "Done", color: "teal.9" },
  CANCELLED: { label: "Cancelled", color: "gray.7" },
  MISSED: { label: "Missed", color: "red.9" },
};

export function DayVisit({ visit }: { visit: DayVisit_visit$key }) {
  const data = useFragment(fragment, visit);
  const { timeZone } = useViewer();
  const headingId = useId();
  const name = data.patient?.name ? `${data.patient.name.first} ${data.patient.name.last}` : "Patient";
  const place = data.location?.address1 ? data.location : data.patient?.location;
  const status = STATUS[data.status] ?? { label: data.status, color: "gray.7" };
  const tasks = data.patient?.record?.checklist?.items ?? [];

  return (
    <Card component="section" withBorder padding="md" radius="md" aria-labelledby={headingId}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Title order={2} size="h3" id={headingId}>
              {name}
            </Title>
            <Text size="lg" fw={600}>
              {formatTime(data.start, timeZone)} – {formatTime(data.end, timeZone)}
            </Text>
            {data.service && <Text c="gray.7">{data.service.description ?? data.service.code}</Text>}
          </div>
          <Badge size="lg" color={status.color} variant="filled" style={{ flexShrink: 0 }} data-testid="visit-status">
            {status.label}
          </Badge>
        </Group>
        {place && (
          <Text component="address" fs="normal">
            {[place.address1, place.address2].filter(Boolean).join(", ")}
            <br />
            {[place.city, place.region, place.postalCode].filter(Boolean).join(", ")}
            {place.notes && (
              <>
                <br />
                <Text span c="gray.7">
                  {place.notes}
                </Text>
              </>
            )}
          </Text>
        )}
        {data.notes && <Text>{data.notes}</Text>}
        {tasks.length > 0 && (
          <div>
            <Title order={3} size="h5">
              Tasks
            </Title>
            <List spacing={4}>
              {tasks.map((task) => (
                <List.Item key={task.title}>
                  {task.title}
                  {task.required && <Text span fw={600}> (required)</Text>}
                  {task.notes && <Text span c="gray.7">: {task.notes}</Text>}
                </List.Item>
              ))}
            </List>
          </div>
        )}
        {data.patient?.record && (
          <Anchor component={Link} to={`/patients/${data.patient.record.id}`} size="lg" py={6}>
            Open {name}'s chart
          </Anchor>
        )}
        <Punches visit={data} />
        {data.punchcard ? (
          <VisitNote punchcard={data.punchcard} />
        ) : (
          <Text c="gray.7">Clock in to write a note for this visit.</Text>
        )}
      </Stack>
    </Card>
  );
}
