/**
 * Clocking in and out of a visit with the phone's position: what the API stored is shown
 * (the times, the distance from the address, the flags); a punch without a position is still
 * sent, and the caregiver is told it will be flagged.
 */
import { Alert, Button, List, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { graphql, useFragment, useMutation } from "react-relay";

import { formatTime } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import { messageOf, userErrorText } from "../../relay/errors";
import type { Punches_visit$key } from "./__generated__/Punches_visit.graphql";
import type { PunchesClockInMutation } from "./__generated__/PunchesClockInMutation.graphql";
import type { PunchesClockOutMutation } from "./__generated__/PunchesClockOutMutation.graphql";
import { currentPosition } from "./geolocation";
import { READABLE } from "./notice";

const fragment = graphql`
  fragment Punches_visit on Event {
    id
    status
    punchcard {
      id
      actual {
        clockIn
        clockOut
        clockInDistanceMeters
        clockOutDistanceMeters
      }
      flags {
        kind
        punch
        reason
      }
    }
  }
`;

/** What a clock-in or clock-out asks back: the visit as the day shows it. */
export const punched = graphql`
  fragment Punches_punched on Punchcard {
    id
    event {
      ...DayVisit_visit
    }
  }
`;

const clockInMutation = graphql`
  mutation PunchesClockInMutation($event: ID!, $location: GeoPointInput) {
    punchcardClockIn(event: $event, location: $location) {
      punchcard {
        ...Punches_punched
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const clockOutMutation = graphql`
  mutation PunchesClockOutMutation($punchcard: ID!, $location: GeoPointInput) {
    punchcardClockOut(punchcard: $punchcard, location: $location) {
      punchcard {
        ...Punches_punched
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const OPEN = new Set(["SCHEDULED", "CONFIRMED", "MISSED", "IN_PROGRESS"]);

function distance(meters: number | null | undefined): string {
  if (meters == null) return "";
  return meters >= 1000 ? `${(meters / 1000).toFixed(1)} km` : `${Math.round(meters)} m`;
}

export function Punches({ visit }: { visit: Punches_visit$key }) {
  const data = useFragment(fragment, visit);
  const { timeZone } = useViewer();
  const [clockIn, clockingIn] = useMutation<PunchesClockInMutation>(clockInMutation);
  const [clockOut, clockingOut] = useMutation<PunchesClockOutMutation>(clockOutMutation);
  const [locating, setLocating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [noPosition, setNoPosition] = useState<string | null>(null);
  const card = data.punchcard;
  const actual = card?.actual;
  const busy = locating || clockingIn || clockingOut;

  async function punch(which: "in" | "out") {
    setError(null);
    setNoPosition(null);
    setLocating(true);
    const located = await currentPosition();
    setLocating(false);
    if (located.position === null) {
      setNoPosition(`${located.why} The punch is saved without your location and flagged for the office to check.`);
    }
    const onError = (e: Error) => setError(messageOf(e));
    const location = located.position;
    if (which === "in") {
      clockIn({
        variables: { event: data.id, location },
        onCompleted: (answer) => setError(userErrorText(answer.punchcardClockIn.userErrors) || null),
        onError,
      });
    } else if (card) {
      clockOut({
        variables: { punchcard: card.id, location },
        onCompleted: (answer) => setError(userErrorText(answer.punchcardClockOut.userErrors) || null),
        onError,
      });
    }
  }

  const flags = card?.flags ?? [];
  return (
    <Stack gap="xs">
      {actual && (
        <Text size="lg" data-testid="clocked-in">
          Clocked in at {formatTime(actual.clockIn, timeZone)}
          {actual.clockInDistanceMeters != null && `, ${distance(actual.clockInDistanceMeters)} from the address`}
          {actual.clockOut && (
            <>
              <br />
              Clocked out at {formatTime(actual.clockOut, timeZone)}
              {actual.clockOutDistanceMeters != null &&
                `, ${distance(actual.clockOutDistanceMeters)} from the address`}
            </>
          )}
        </Text>
      )}
      {flags.length > 0 && (
        <Alert color="orange" styles={READABLE} title="Flagged for the office" data-testid="punch-flags">
          <List size="sm">
            {flags.map((flag) => (
              <List.Item key={`${flag.punch}-${flag.kind}`}>
                {flag.punch === "IN" ? "Clock-in" : "Clock-out"}: {flag.reason}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {noPosition && (
        <Alert color="orange" styles={READABLE} data-testid="no-position">
          {noPosition}
        </Alert>
      )}
      {error && (
        <Alert color="red" styles={READABLE} role="alert" data-testid="punch-error">
          {error}
        </Alert>
      )}
      {!card && OPEN.has(data.status) && (
        <Button size="xl" fullWidth loading={busy} onClick={() => void punch("in")}>
          Clock in
        </Button>
      )}
      {card && !actual?.clockOut && (
        <Button size="xl" fullWidth color="dark" loading={busy} onClick={() => void punch("out")}>
          Clock out
        </Button>
      )}
    </Stack>
  );
}
