/**
 * The caregiver's day, made for a phone: today's visits in the agency's time zone (one that
 * started last night and ends today too), each with its patient, address, times, status and
 * tasks, clock-in and clock-out with the phone's position, and a note for the visit. One query
 * for the first paint; it then follows the account's changes (followDay).
 */
import { Alert, Stack, Text, Title } from "@mantine/core";
import { useEffect, useMemo, useState } from "react";
import { graphql, useLazyLoadQuery } from "react-relay";

import { formatDate, todayIn } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import type { DayScreenQuery } from "./__generated__/DayScreenQuery.graphql";
import { midnightIn, nextDay } from "./dayBounds";
import { DayVisit } from "./DayVisit";
import { useFollowedDay } from "./followDay";
import { locationPermission } from "./geolocation";
import { READABLE } from "./notice";

const DAY_MS = 24 * 60 * 60 * 1000;

const query = graphql`
  query DayScreenQuery($caregiver: ID!, $from: DateTime!, $to: DateTime!) {
    events(
      filter: { caregiver: $caregiver, start: { start: $from, end: $to } }
      orderBy: { field: START }
      first: 50
    ) @connection(key: "DayScreen_events") {
      edges {
        node {
          id
          end
          ...DayVisit_visit
        }
      }
    }
  }
`;

export default function DayScreen() {
  const viewer = useViewer();
  const [today] = useState(() => todayIn(viewer.timeZone));
  const midnight = midnightIn(viewer.timeZone, today);
  // a visit lasts at most a day: one started up to 24 hours before midnight may end today
  const variables = {
    caregiver: viewer.userId,
    from: new Date(midnight.getTime() - DAY_MS).toISOString(),
    to: midnightIn(viewer.timeZone, nextDay(today)).toISOString(),
  };
  const data = useLazyLoadQuery<DayScreenQuery>(query, variables);
  const visits = data.events.edges
    .map((edge) => edge.node)
    .filter((visit) => new Date(visit.end) > midnight);
  const shown = useMemo(() => new Set(data.events.edges.map((edge) => edge.node.id)), [data]);
  const { live } = useFollowedDay<DayScreenQuery>(query, variables, shown);
  const [permission, setPermission] = useState<PermissionState | null>(null);
  useEffect(() => {
    void locationPermission().then(setPermission);
  }, []);

  return (
    <Stack gap="md" maw={640} mx="auto">
      <div>
        <Title order={1}>My day</Title>
        <Text c="dimmed" size="lg">
          {formatDate(today)} · {visits.length === 1 ? "1 visit" : `${visits.length} visits`}
        </Text>
      </div>
      {permission === "denied" && (
        <Alert color="orange" styles={READABLE} title="Location is off" data-testid="location-off">
          This site may not read your location: you can still clock in and out, and each punch
          will be flagged for the office to check.
        </Alert>
      )}
      {visits.length === 0 ? (
        <Text size="lg">No visits today.</Text>
      ) : (
        visits.map((visit) => <DayVisit key={visit.id} visit={visit} />)
      )}
      <Text size="sm" c="dimmed" data-testid="day-footer">
        {live ? "Live: changes show as they are made." : "Updated every minute."}
      </Text>
    </Stack>
  );
}
