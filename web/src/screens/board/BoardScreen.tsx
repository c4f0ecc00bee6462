/**
 * The scheduler's week board: caregivers as rows (open visits first), the week's days as
 * columns, visits as blocks by status. One query paints it (the caregivers with the week's
 * visits, the open visits, the account's services); it is fetched again every 30 s while the
 * page is visible, and after every change made here.
 */
import { Alert, Badge, Button, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, useTransition } from "react";
import { graphql, useLazyLoadQuery, useMutation } from "react-relay";
import { useSearchParams } from "react-router";

import { formatDate, formatDayOf, formatTime, todayIn } from "../../lib/dates";
import { startOf, useChanges, type ChangeRecordKind } from "../../lib/live";
import { can, useViewer } from "../../lib/viewer";
import { messageOf } from "../../relay/errors";
import type { BoardScreenQuery, BoardScreenQuery$data } from "./__generated__/BoardScreenQuery.graphql";
import type { VisitDialogMoveMutation } from "./__generated__/VisitDialogMoveMutation.graphql";
import { NewVisitDialog } from "./NewVisitDialog";
import { KIND, KINDS, kindOf } from "./status";
import { VisitDialog, moveMutation, type ProposedMove } from "./VisitDialog";
import type { CalendarRow, CalendarVisit, MovedVisit } from "./WeekCalendar";
import { addDays, instantOf, mondayOf, wallClock } from "./zone";

const query = graphql`
  query BoardScreenQuery($from: DateTime!, $to: DateTime!) {
    caregivers: users(filter: { roleType: CAREGIVER, suspended: false }, first: 100) {
      nodes {
        id
        fullName
        events(filter: { start: { start: $from, end: $to } }, first: 100) {
          nodes {
            ...BoardScreen_visit @relay(mask: false)
          }
        }
      }
    }
    openVisits: events(filter: { start: { start: $from, end: $to }, unassigned: true }, first: 100) {
      nodes {
        ...BoardScreen_visit @relay(mask: false)
      }
    }
    account {
      services {
        code
        description
        active
      }
    }
  }
`;

graphql`
  fragment BoardScreen_visit on Event {
    id
    revision
    status
    start
    end
    patient {
      name {
        first
        last
      }
    }
    service {
      code
    }
    caregivers {
      id
    }
    conflictOverride {
      conflicts {
        kind
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
  }
`;

type Visit = NonNullable<BoardScreenQuery$data["openVisits"]["nodes"]>[number];

// the calendar (and its Svelte runtime) loads while the week's query is under way
const calendarModule = import("./WeekCalendar");
const WeekCalendar = lazy(() => calendarModule);

const OPEN_ROW = "open";
const POLL_MS = 30_000;
const FOLLOWED: readonly ChangeRecordKind[] = ["EVENT", "EVENT_GROUP", "PUNCHCARD"];

export default function BoardScreen() {
  const viewer = useViewer();
  const zone = viewer.timeZone;
  const editable = can(viewer, "MANAGE_SCHEDULE");
  const [params, setParams] = useSearchParams();
  const [, startTransition] = useTransition();
  const monday = mondayOf(params.get("week") ?? todayIn(zone));
  const variables = useMemo(
    () => ({ from: instantOf(`${monday}T00:00`, zone), to: instantOf(`${addDays(monday, 7)}T00:00`, zone) }),
    [monday, zone],
  );
  const [fetchKey, setFetchKey] = useState(0);
  const data = useLazyLoadQuery<BoardScreenQuery>(query, variables, { fetchKey, fetchPolicy: "store-and-network" });
  const refresh = useCallback(() => startTransition(() => setFetchKey((k) => k + 1)), []);

  const goTo = (week: string) => startTransition(() => setParams({ week }));

  const visits = useMemo(() => {
    const byId = new Map<string, Visit>();
    for (const v of data.openVisits.nodes ?? []) byId.set(v.id, v);
    for (const c of data.caregivers.nodes ?? []) for (const v of c.events.nodes ?? []) byId.set(v.id, v);
    return byId;
  }, [data]);

  // live: the week is read again when a change concerns it (a visit on it or starting in it, a
  // punchcard of one of its visits, a series); polled every 30 s while the socket is down
  const pending = useRef<number | undefined>(undefined);
  const { live } = useChanges(FOLLOWED, (change) => {
    const record = change.record;
    const start = startOf(change);
    const inWeek = start != null && start >= Date.parse(variables.from) && start < Date.parse(variables.to);
    const onBoard = visits.has(record.id) || (record.event != null && visits.has(record.event.id));
    if (inWeek || onBoard || change.recordKind === "EVENT_GROUP") {
      window.clearTimeout(pending.current);
      pending.current = window.setTimeout(refresh, 200);
    }
  });
  useEffect(() => {
    if (live) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") refresh();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh, live]);

  const rows: CalendarRow[] = useMemo(
    () => [
      { id: OPEN_ROW, title: "Open visits" },
      ...(data.caregivers.nodes ?? []).map((c) => ({ id: c.id, title: c.fullName })),
    ],
    [data],
  );

  const names = useMemo(() => new Map((data.caregivers.nodes ?? []).map((c) => [c.id, c.fullName])), [data]);

  const blocks: CalendarVisit[] = useMemo(
    () =>
      [...visits.values()].map((v) => {
        const kind = KIND[kindOf(v)];
        const patient = v.patient?.name ? `${v.patient.name.first} ${v.patient.name.last}` : "No patient";
        const times = `${formatTime(v.start, zone)}–${formatTime(v.end, zone)}`;
        return {
          id: v.id,
          rows: v.caregivers.length > 0 ? v.caregivers.map((c) => c.id) : [OPEN_ROW],
          start: wallClock(v.start, zone),
          end: wallClock(v.end, zone),
          text: `${times} ${patient}`,
          label: `${times} ${patient}, ${formatDayOf(v.start, zone)}, ${
            v.caregivers.map((c) => names.get(c.id) ?? "").join(" and ") || "open visit"
          }, ${kind.label}`,
          symbol: kind.symbol,
          color: kind.color,
          conflicting: kind.kind === "conflicting",
        };
      }),
    [visits, zone, names],
  );

  const [opened, setOpened] = useState<{ id: string; move?: ProposedMove; errors?: string[] } | null>(null);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [commitMove] = useMutation<VisitDialogMoveMutation>(moveMutation);

  const onMove = useCallback(
    (moved: MovedVisit, revert: () => void) => {
      const visit = visits.get(moved.id);
      if (!visit) return revert();
      const caregiver = moved.toRow === undefined ? undefined : moved.toRow === OPEN_ROW ? null : moved.toRow;
      const move: ProposedMove = {
        start: instantOf(moved.start, zone),
        end: instantOf(moved.end, zone),
        caregiver: caregiver === undefined ? (visit.caregivers[0]?.id ?? null) : caregiver,
      };
      const input: Record<string, unknown> = { start: move.start, end: move.end };
      if (caregiver !== undefined) input.attendees = caregiver ? [{ user: caregiver }] : [];
      commitMove({
        variables: { id: visit.id, revision: visit.revision, input },
        onCompleted: ({ eventUpdate }) => {
          if (eventUpdate.userErrors.length === 0) {
            setNotice("Visit moved.");
            return refresh();
          }
          revert();
          // the conflicts (or any refusal) are shown in the visit's move form, with the override
          setOpened({ id: visit.id, move, errors: eventUpdate.userErrors.map((e) => e.message) });
        },
        onError: (error) => {
          revert();
          setOpened({ id: visit.id, move, errors: [messageOf(error)] });
        },
      });
    },
    [visits, zone, commitMove, refresh],
  );

  const openVisit = opened ? visits.get(opened.id) : undefined;
  const services = (data.account.services ?? []).filter((s) => s.active);
  const caregivers = (data.caregivers.nodes ?? []).map((c) => ({ id: c.id, fullName: c.fullName }));

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>Schedule</Title>
        {editable ? (
          <Button onClick={() => setCreating(true)}>New visit</Button>
        ) : (
          <Badge color="gray" variant="outline">
            Read only
          </Badge>
        )}
      </Group>
      <Group gap="xs" wrap="wrap" aria-label="Week">
        <Button variant="default" onClick={() => goTo(addDays(monday, -7))}>
          Previous week
        </Button>
        <Button variant="default" onClick={() => goTo(mondayOf(todayIn(zone)))}>
          Today
        </Button>
        <Button variant="default" onClick={() => goTo(addDays(monday, 7))}>
          Next week
        </Button>
        <Text fw={600} component="h2" size="md" data-testid="week-title">
          Week of {formatDate(monday)} – {formatDate(addDays(monday, 6))}
        </Text>
      </Group>
      <Group gap="xs" wrap="wrap" component="ul" aria-label="Legend" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {KINDS.map((k) => (
          <li key={k.kind}>
            <Badge color={k.color} radius="sm" size="lg" style={{ textTransform: "none" }}>
              {k.symbol} {k.label}
            </Badge>
          </li>
        ))}
      </Group>
      {notice && (
        <Alert color="green" withCloseButton onClose={() => setNotice(null)} role="status" data-testid="board-notice">
          {notice}
        </Alert>
      )}
      <Suspense fallback={<Loader aria-label="Loading the calendar" />}>
        <WeekCalendar
          monday={monday}
          rows={rows}
          visits={blocks}
          editable={editable}
          onOpen={(id) => setOpened({ id })}
          onMove={onMove}
        />
      </Suspense>
      <Text size="sm" data-testid="board-footer">
        {blocks.length} visits this week, {caregivers.length} caregivers. Times in {zone}.{" "}
        {live ? "Live: changes show as they are made." : "Updated every 30 seconds."}
      </Text>
      {openVisit && opened && (
        <VisitDialog
          visitId={openVisit.id}
          editable={editable}
          caregivers={caregivers}
          proposed={opened.move}
          proposedErrors={opened.errors}
          onClose={() => setOpened(null)}
          onChanged={(message) => {
            setOpened(null);
            setNotice(message);
            refresh();
          }}
        />
      )}
      {creating && (
        <NewVisitDialog
          monday={monday}
          caregivers={caregivers}
          services={services}
          onClose={() => setCreating(false)}
          onCreated={(message) => {
            setCreating(false);
            setNotice(message);
            refresh();
          }}
        />
      )}
    </Stack>
  );
}
