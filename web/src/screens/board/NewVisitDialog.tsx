/**
 * A new visit from the board: patient, caregiver (or nobody yet), day, start and end, service;
 * or, repeated weekly on chosen days, a series (an RFC 5545 rule: FREQ=WEEKLY;BYDAY=...,
 * through eventGroupCreate). Conflicts come back as SCHEDULE_CONFLICT errors, and the visit can
 * be booked anyway with a reason.
 */
import { Alert, Button, Checkbox, Group, Modal, Select, Stack, TextInput } from "@mantine/core";
import { useEffect, useState } from "react";
import { fetchQuery, graphql, useMutation, useRelayEnvironment } from "react-relay";

import { todayIn } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import { messageOf } from "../../relay/errors";
import type { NewVisitDialogCreateMutation } from "./__generated__/NewVisitDialogCreateMutation.graphql";
import type { NewVisitDialogPatientsQuery } from "./__generated__/NewVisitDialogPatientsQuery.graphql";
import type { NewVisitDialogSeriesMutation } from "./__generated__/NewVisitDialogSeriesMutation.graphql";
import { ConflictOverride } from "./VisitDialog";
import { instantOf, WEEKDAYS, weekdayCode } from "./zone";

const patientsQuery = graphql`
  query NewVisitDialogPatientsQuery($search: String) {
    patients(filter: { search: $search }, first: 20) {
      nodes {
        id
        fullName
      }
    }
  }
`;

const createMutation = graphql`
  mutation NewVisitDialogCreateMutation($input: EventCreateInput!) {
    eventCreate(input: $input) {
      event {
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
  mutation NewVisitDialogSeriesMutation($input: EventGroupCreateInput!) {
    eventGroupCreate(input: $input) {
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

type Props = {
  monday: string;
  caregivers: ReadonlyArray<{ id: string; fullName: string }>;
  services: ReadonlyArray<{ code: string; description: string }>;
  onClose: () => void;
  onCreated: (message: string) => void;
};

type Problem = { field?: string | null; message: string; code?: string | null };

/** The problems the API named a field for, by the form's own field names. */
function near(problems: Problem[], ...fields: string[]): string | undefined {
  const found = problems.filter((p) => p.code !== "SCHEDULE_CONFLICT" && fields.some((f) => (p.field ?? "").includes(f)));
  return found.length ? found.map((p) => p.message).join(" ") : undefined;
}

export function NewVisitDialog({ monday, caregivers, services, onClose, onCreated }: Props) {
  const { timeZone: zone } = useViewer();
  const environment = useRelayEnvironment();
  const today = todayIn(zone);
  const [search, setSearch] = useState("");
  const [patients, setPatients] = useState<ReadonlyArray<{ id: string; fullName: string }>>([]);
  const [patient, setPatient] = useState<string | null>(null);
  const [caregiver, setCaregiver] = useState<string>("");
  const [day, setDay] = useState(today >= monday ? today : monday);
  const [startTime, setStartTime] = useState("09:00");
  const [endTime, setEndTime] = useState("10:00");
  const [service, setService] = useState<string | null>(services[0]?.code ?? null);
  const [weekly, setWeekly] = useState(false);
  const [days, setDays] = useState<string[]>([]);
  const [until, setUntil] = useState("");
  const [reason, setReason] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [commitCreate, creating] = useMutation<NewVisitDialogCreateMutation>(createMutation);
  const [commitSeries, creatingSeries] = useMutation<NewVisitDialogSeriesMutation>(seriesMutation);
  const pending = creating || creatingSeries;

  // the patients matching what is typed (the first 20), asked as the person types
  useEffect(() => {
    const timer = window.setTimeout(() => {
      fetchQuery<NewVisitDialogPatientsQuery>(environment, patientsQuery, { search: search.trim() || null })
        .toPromise()
        .then((data) => {
          const found = data?.patients.nodes ?? [];
          setPatients((before) => {
            const chosen = before.filter((p) => p.id === patient && !found.some((f) => f.id === p.id));
            return [...chosen, ...found];
          });
        })
        .catch((error: unknown) => setProblems([{ message: messageOf(error) }]));
    }, 200);
    return () => window.clearTimeout(timer);
  }, [search, environment, patient]);

  function submit(withOverride: boolean) {
    const start = instantOf(`${day}T${startTime}`, zone);
    let end = instantOf(`${day}T${endTime}`, zone);
    if (Date.parse(end) <= Date.parse(start)) end = new Date(Date.parse(end) + 86_400_000).toISOString();
    const common: Record<string, unknown> = {
      start,
      end,
      patient: patient ? { record: patient } : null,
      service: service ? { code: service } : null,
      attendees: caregiver ? [{ user: caregiver }] : [],
    };
    if (withOverride) common.conflictOverride = { reason: reason.trim() };
    setProblems([]);
    const failed = (error: Error) => setProblems([{ message: messageOf(error) }]);
    if (weekly) {
      const input = {
        ...common,
        freq: "WEEKLY",
        byweekday: days.length ? days : [weekdayCode(day)],
        timezone: zone,
        until: until ? instantOf(`${until}T23:59`, zone) : null,
      };
      commitSeries({
        variables: { input: input as never },
        onCompleted: ({ eventGroupCreate }) =>
          eventGroupCreate.userErrors.length === 0 ? onCreated("Series created.") : setProblems([...eventGroupCreate.userErrors]),
        onError: failed,
      });
    } else {
      commitCreate({
        variables: { input: common as never },
        onCompleted: ({ eventCreate }) =>
          eventCreate.userErrors.length === 0 ? onCreated("Visit created.") : setProblems([...eventCreate.userErrors]),
        onError: failed,
      });
    }
  }

  const conflicts = problems.filter((p) => p.code === "SCHEDULE_CONFLICT");
  const elsewhere = problems.filter(
    (p) => p.code !== "SCHEDULE_CONFLICT" && !["patient", "start", "end", "service", "attendees", "byweekday", "until"].some((f) => (p.field ?? "").includes(f)),
  );

  return (
    <Modal opened onClose={onClose} closeButtonProps={{ "aria-label": "Close" }} title="New visit" size="lg">
      <form
        aria-label="New visit"
        onSubmit={(e) => {
          e.preventDefault();
          submit(false);
        }}
      >
        <Stack gap="xs">
          <Select
            label="Patient"
            placeholder="Type a name"
            data={patients.map((p) => ({ value: p.id, label: p.fullName }))}
            value={patient}
            onChange={setPatient}
            searchable
            searchValue={search}
            onSearchChange={setSearch}
            filter={({ options }) => options}
            nothingFoundMessage="No patient by that name"
            error={near(problems, "patient")}
            required
          />
          <Select
            label="Caregiver"
            data={[{ value: "", label: "Nobody yet (open visit)" }, ...caregivers.map((c) => ({ value: c.id, label: c.fullName }))]}
            value={caregiver}
            onChange={(v) => setCaregiver(v ?? "")}
            searchable
            allowDeselect={false}
            error={near(problems, "attendees")}
          />
          <Group grow wrap="wrap">
            <TextInput type="date" label="Day" value={day} onChange={(e) => setDay(e.currentTarget.value)} required />
            <TextInput
              type="time"
              label="Start"
              value={startTime}
              onChange={(e) => setStartTime(e.currentTarget.value)}
              error={near(problems, "start")}
              required
            />
            <TextInput
              type="time"
              label="End"
              value={endTime}
              onChange={(e) => setEndTime(e.currentTarget.value)}
              error={near(problems, "end")}
              required
            />
          </Group>
          <Select
            label="Service"
            data={services.map((s) => ({ value: s.code, label: `${s.description} (${s.code})` }))}
            value={service}
            onChange={setService}
            error={near(problems, "service")}
            required
          />
          <Checkbox label="Repeat weekly (a series)" checked={weekly} onChange={(e) => setWeekly(e.currentTarget.checked)} />
          {weekly && (
            <>
              <Checkbox.Group label="On" value={days} onChange={setDays} error={near(problems, "byweekday")}>
                <Group gap="sm" mt={4}>
                  {WEEKDAYS.map((w) => (
                    <Checkbox key={w.code} value={w.code} label={w.name} />
                  ))}
                </Group>
              </Checkbox.Group>
              <TextInput
                type="date"
                label="Until (optional)"
                value={until}
                onChange={(e) => setUntil(e.currentTarget.value)}
                error={near(problems, "until")}
              />
            </>
          )}
          {elsewhere.length > 0 && (
            <Alert color="red" title="Not saved" role="alert" data-testid="new-visit-errors">
              {elsewhere.map((p) => p.message).join(" ")}
            </Alert>
          )}
          {conflicts.length > 0 && (
            <ConflictOverride conflicts={conflicts} reason={reason} setReason={setReason} pending={pending} onOverride={() => submit(true)} />
          )}
          <Group>
            <Button type="submit" loading={pending}>
              {weekly ? "Create series" : "Create visit"}
            </Button>
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
