/**
 * A visit opened from the board: what it is, a keyboard-usable Move form (dragging a block
 * does the same), the API's SCHEDULE_CONFLICT errors with an override and its reason, an open
 * visit's ranked caregiver matches, and for a visit of a series the scope of a change: this
 * visit (eventUpdate), this and following (eventGroupSplit) or the whole series
 * (eventGroupUpdate).
 */
import {
  Alert,
  Button,
  Group,
  List,
  Loader,
  Modal,
  Radio,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { Suspense, useState } from "react";
import { graphql, useFragment, useLazyLoadQuery, useMutation } from "react-relay";

import { formatDateTime, formatTime } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import { messageOf } from "../../relay/errors";
import type { VisitDialog_visit$key } from "./__generated__/VisitDialog_visit.graphql";
import type { VisitDialogMatchesQuery } from "./__generated__/VisitDialogMatchesQuery.graphql";
import type { VisitDialogQuery } from "./__generated__/VisitDialogQuery.graphql";
import type { VisitDialogMoveMutation } from "./__generated__/VisitDialogMoveMutation.graphql";
import type { VisitDialogSeriesMutation } from "./__generated__/VisitDialogSeriesMutation.graphql";
import type { VisitDialogSplitMutation } from "./__generated__/VisitDialogSplitMutation.graphql";
import { KIND, kindOf } from "./status";
import { instantOf, wallClock } from "./zone";

// the visit as it is now, read when it is opened (the board's query reads only its block)
const visitQuery = graphql`
  query VisitDialogQuery($id: ID!) {
    event(id: $id) {
      ...VisitDialog_visit
    }
  }
`;

const fragment = graphql`
  fragment VisitDialog_visit on Event {
    id
    revision
    status
    start
    end
    seriesStart
    seriesException
    patient {
      name {
        first
        last
      }
    }
    service {
      code
      description
    }
    caregivers {
      id
      fullName
    }
    conflictOverride {
      reason
      conflicts {
        kind
        message
      }
    }
    punchcard {
      flags {
        kind
      }
      review {
        status
      }
    }
    group {
      id
      revision
      start
      end
      byweekday
    }
  }
`;

export const moveMutation = graphql`
  mutation VisitDialogMoveMutation($id: ID!, $revision: Int!, $input: EventUpdateInput!) {
    eventUpdate(id: $id, revision: $revision, input: $input) {
      event {
        id
        revision
        start
        end
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const splitMutation = graphql`
  mutation VisitDialogSplitMutation($id: ID!, $revision: Int!, $at: DateTime!, $input: EventGroupUpdateInput!) {
    eventGroupSplit(id: $id, revision: $revision, at: $at, input: $input) {
      newEventGroup {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const seriesMutation = graphql`
  mutation VisitDialogSeriesMutation($id: ID!, $revision: Int!, $input: EventGroupUpdateInput!) {
    eventGroupUpdate(id: $id, revision: $revision, input: $input) {
      eventGroup {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const matchesQuery = graphql`
  query VisitDialogMatchesQuery($event: ID!) {
    caregiverMatches(event: $event, first: 5) {
      score
      criteria {
        criterion
        score
        reason
      }
      caregiver {
        id
        fullName
      }
    }
  }
`;

/** A move proposed by dragging a block, to finish in the form (after a conflict). */
export type ProposedMove = { start: string; end: string; caregiver: string | null };

type Scope = "this" | "following" | "all";
type Problem = { message: string; code?: string | null };

type Props = {
  visitId: string;
  editable: boolean;
  caregivers: ReadonlyArray<{ id: string; fullName: string }>;
  proposed?: ProposedMove;
  proposedErrors?: string[];
  onClose: () => void;
  onChanged: (message: string) => void;
};

const NOBODY = "";

export function VisitDialog(props: Props) {
  return (
    <Suspense
      fallback={
        <Modal opened onClose={props.onClose} closeButtonProps={{ "aria-label": "Close" }} title="Visit">
          <Loader aria-label="Loading the visit" />
        </Modal>
      }
    >
      <LoadedVisit {...props} />
    </Suspense>
  );
}

function LoadedVisit(props: Props) {
  const data = useLazyLoadQuery<VisitDialogQuery>(visitQuery, { id: props.visitId }, { fetchPolicy: "network-only" });
  if (!data.event) {
    return (
      <Modal opened onClose={props.onClose} closeButtonProps={{ "aria-label": "Close" }} title="Visit">
        <Text role="alert">This visit is no longer on the schedule.</Text>
      </Modal>
    );
  }
  return <VisitForm {...props} visit={data.event} />;
}

function VisitForm({
  visit: key,
  editable,
  caregivers,
  proposed,
  proposedErrors,
  onClose,
  onChanged,
}: Props & { visit: VisitDialog_visit$key }) {
  const visit = useFragment(fragment, key);
  const { timeZone: zone } = useViewer();
  const startWall = wallClock(proposed?.start ?? visit.start, zone);
  const endWall = wallClock(proposed?.end ?? visit.end, zone);
  const [day, setDay] = useState(startWall.slice(0, 10));
  const [startTime, setStartTime] = useState(startWall.slice(11, 16));
  const [endTime, setEndTime] = useState(endWall.slice(11, 16));
  const [caregiver, setCaregiver] = useState<string>(
    proposed ? (proposed.caregiver ?? NOBODY) : (visit.caregivers[0]?.id ?? NOBODY),
  );
  const [scope, setScope] = useState<Scope>("this");
  const [reason, setReason] = useState("");
  const [problems, setProblems] = useState<Problem[]>(
    (proposedErrors ?? []).map((message) => ({ message, code: "SCHEDULE_CONFLICT" })),
  );
  const [commitMove, moving] = useMutation<VisitDialogMoveMutation>(moveMutation);
  const [commitSplit, splitting] = useMutation<VisitDialogSplitMutation>(splitMutation);
  const [commitSeries, updating] = useMutation<VisitDialogSeriesMutation>(seriesMutation);
  const pending = moving || splitting || updating;

  const kind = KIND[kindOf(visit)];
  const patient = visit.patient?.name ? `${visit.patient.name.first} ${visit.patient.name.last}` : "No patient";
  const conflicts = problems.filter((p) => p.code === "SCHEDULE_CONFLICT");
  const others = problems.filter((p) => p.code !== "SCHEDULE_CONFLICT");

  function answered(errors: ReadonlyArray<Problem>, done: string) {
    if (errors.length === 0) onChanged(done);
    else setProblems([...errors]);
  }
  const failed = (error: Error) => setProblems([{ message: messageOf(error) }]);

  /** Save a change of times and/or caregiver, in the scope chosen, with the override if given. */
  function save(change: { start: string; end: string; caregiver: string }, withOverride: boolean, done: string) {
    const input: Record<string, unknown> = { start: change.start, end: change.end };
    if (change.caregiver !== (visit.caregivers[0]?.id ?? NOBODY)) {
      input.attendees = change.caregiver ? [{ user: change.caregiver }] : [];
    }
    if (withOverride) input.conflictOverride = { reason: reason.trim() };
    setProblems([]);
    const group = visit.group;
    if (scope === "this" || !group) {
      commitMove({
        variables: { id: visit.id, revision: visit.revision, input },
        onCompleted: ({ eventUpdate }) => answered(eventUpdate.userErrors, done),
        onError: failed,
      });
    } else if (scope === "following") {
      commitSplit({
        variables: { id: group.id, revision: group.revision, at: visit.seriesStart ?? visit.start, input },
        onCompleted: ({ eventGroupSplit }) => answered(eventGroupSplit.userErrors, done),
        onError: failed,
      });
    } else {
      // the whole series: its rule's times shift by as much as this visit's
      const shift = Date.parse(change.start) - Date.parse(visit.seriesStart ?? visit.start);
      const length = Date.parse(change.end) - Date.parse(change.start);
      const start = new Date(Date.parse(group.start) + shift);
      input.start = start.toISOString();
      input.end = new Date(start.getTime() + length).toISOString();
      commitSeries({
        variables: { id: group.id, revision: group.revision, input },
        onCompleted: ({ eventGroupUpdate }) => answered(eventGroupUpdate.userErrors, done),
        onError: failed,
      });
    }
  }

  function move(withOverride: boolean) {
    const start = instantOf(`${day}T${startTime}`, zone);
    let end = instantOf(`${day}T${endTime}`, zone);
    if (Date.parse(end) <= Date.parse(start)) end = new Date(Date.parse(end) + 86_400_000).toISOString();
    save({ start, end, caregiver }, withOverride, "Visit moved.");
  }

  // what the override retries: the last move, or the last assignment of a match
  const [last, setLast] = useState<{ assign: string; name: string } | null>(null);
  function retry(withOverride: boolean) {
    if (last) save({ start: visit.start, end: visit.end, caregiver: last.assign }, withOverride, `${last.name} assigned.`);
    else move(withOverride);
  }

  return (
    <Modal opened onClose={onClose} closeButtonProps={{ "aria-label": "Close" }} title={`Visit with ${patient}`} size="lg">
      <Stack gap="sm">
        <Text data-testid="visit-summary">
          {kind.symbol} {kind.label} · {formatDateTime(visit.start, zone)} – {formatTime(visit.end, zone)} ·{" "}
          {visit.service?.description ?? visit.service?.code ?? "No service"} ·{" "}
          {visit.caregivers.map((c) => c.fullName).join(", ") || "Nobody booked yet"}
        </Text>
        {visit.group && <Text size="sm">Part of a weekly series ({visit.group.byweekday.join(", ")}).</Text>}
        {visit.conflictOverride && (
          <Text size="sm">
            Booked despite conflicts: “{visit.conflictOverride.reason}”
          </Text>
        )}
        {editable && (
          <form
            aria-label="Move visit"
            onSubmit={(e) => {
              e.preventDefault();
              setLast(null);
              move(false);
            }}
          >
            <Stack gap="xs">
              <Title order={3} size="h4">
                Move
              </Title>
              <Group grow wrap="wrap">
                <TextInput type="date" label="Day" value={day} onChange={(e) => setDay(e.currentTarget.value)} required />
                <TextInput type="time" label="Start" value={startTime} onChange={(e) => setStartTime(e.currentTarget.value)} required />
                <TextInput type="time" label="End" value={endTime} onChange={(e) => setEndTime(e.currentTarget.value)} required />
              </Group>
              <Select
                label="Caregiver"
                data={[{ value: NOBODY, label: "Nobody yet (open visit)" }, ...caregivers.map((c) => ({ value: c.id, label: c.fullName }))]}
                value={caregiver}
                onChange={(value) => setCaregiver(value ?? NOBODY)}
                searchable
                allowDeselect={false}
              />
              {visit.group && (
                <Radio.Group label="Change" value={scope} onChange={(v) => setScope(v as Scope)}>
                  <Group gap="md" mt={4}>
                    <Radio value="this" label="This visit only" />
                    <Radio value="following" label="This and following visits" />
                    <Radio value="all" label="All visits of the series" />
                  </Group>
                </Radio.Group>
              )}
              <Group>
                <Button type="submit" loading={pending}>
                  Move
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {others.length > 0 && (
          <Alert color="red" title="Not saved" role="alert" data-testid="visit-errors">
            {others.map((p) => p.message).join(" ")}
          </Alert>
        )}
        {conflicts.length > 0 && (
          <ConflictOverride
            conflicts={conflicts}
            reason={reason}
            setReason={setReason}
            pending={pending}
            onOverride={() => retry(true)}
          />
        )}
        {editable && visit.caregivers.length === 0 && (
          <Suspense fallback={<Loader size="sm" aria-label="Finding caregivers" />}>
            <Matches
              visitId={visit.id}
              pending={pending}
              onAssign={(id, name) => {
                setLast({ assign: id, name });
                save({ start: visit.start, end: visit.end, caregiver: id }, false, `${name} assigned.`);
              }}
            />
          </Suspense>
        )}
      </Stack>
    </Modal>
  );
}

/** The API's conflicts in its words, and the override: a reason, then save anyway. */
export function ConflictOverride({
  conflicts,
  reason,
  setReason,
  pending,
  onOverride,
}: {
  conflicts: ReadonlyArray<Problem>;
  reason: string;
  setReason: (reason: string) => void;
  pending: boolean;
  onOverride: () => void;
}) {
  return (
    <Alert color="red" title="Schedule conflict" role="alert" data-testid="schedule-conflicts">
      <Stack gap="xs">
        <List size="sm">
          {conflicts.map((c, i) => (
            <List.Item key={i}>{c.message}</List.Item>
          ))}
        </List>
        <TextInput
          label="Reason to book anyway"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          description="Recorded with the visit, with the conflicts it overrides."
        />
        <Group>
          <Button color="red" disabled={reason.trim() === ""} loading={pending} onClick={onOverride}>
            Book anyway
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

const CRITERIA: Record<string, string> = {
  FREE: "Free",
  NEEDS: "Needs",
  SKILLS: "Skills",
  CERTIFICATIONS: "Certifications",
  LANGUAGES: "Languages",
  DISTANCE: "Distance",
};

/** An open visit's best caregivers, each criterion with its reason, and Assign. */
function Matches({
  visitId,
  pending,
  onAssign,
}: {
  visitId: string;
  pending: boolean;
  onAssign: (id: string, name: string) => void;
}) {
  const data = useLazyLoadQuery<VisitDialogMatchesQuery>(matchesQuery, { event: visitId }, { fetchPolicy: "network-only" });
  return (
    <section aria-label="Caregiver matches">
      <Title order={3} size="h4">
        Caregiver matches
      </Title>
      {data.caregiverMatches.length === 0 && <Text>No active caregiver to offer.</Text>}
      <Stack gap="xs" component="ol" style={{ listStyle: "none", padding: 0 }}>
        {data.caregiverMatches.map((m, i) =>
          m.caregiver ? (
            <li key={m.caregiver.id} data-testid="caregiver-match">
              <Group justify="space-between" wrap="nowrap">
                <Text fw={600}>
                  {i + 1}. {m.caregiver.fullName} · {Math.round(m.score * 100)}%
                </Text>
                <Button
                  size="xs"
                  loading={pending}
                  aria-label={`Assign ${m.caregiver.fullName}`}
                  onClick={() => m.caregiver && onAssign(m.caregiver.id, m.caregiver.fullName)}
                >
                  Assign
                </Button>
              </Group>
              <Table fz="sm" withRowBorders={false}>
                <Table.Tbody>
                  {m.criteria.map((c) => (
                    <Table.Tr key={c.criterion}>
                      <Table.Th scope="row" w={130}>
                        {CRITERIA[c.criterion] ?? c.criterion} {Math.round(c.score * 100)}%
                      </Table.Th>
                      <Table.Td>{c.reason}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </li>
          ) : null,
        )}
      </Stack>
    </section>
  );
}
