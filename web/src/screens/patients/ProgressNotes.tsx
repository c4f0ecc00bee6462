/**
 * The patient's progress notes, newest first: clinical, so only for roles that read them (the
 * chart asks for this fragment only then). A role that manages patients adds one here; it is
 * put at the top of the list from the mutation's answer, without reading the list again.
 */
import { Alert, Button, Group, Select, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { graphql, useFragment, useMutation } from "react-relay";

import { formatDateTime } from "../../lib/dates";
import { useViewer } from "../../lib/viewer";
import { messageOf, userErrorText } from "../../relay/errors";
import type { ProgressNotes_patient$key } from "./__generated__/ProgressNotes_patient.graphql";
import type {
  ProgressNotePriority,
  ProgressNotesCreateMutation,
} from "./__generated__/ProgressNotesCreateMutation.graphql";
import { Section, Tag } from "./Section";

const fragment = graphql`
  fragment ProgressNotes_patient on Patient {
    progressNotes(first: 10) @connection(key: "ProgressNotes_progressNotes") {
      __id
      totalCount
      edges {
        node {
          id
          ...ProgressNotes_note @relay(mask: false)
        }
      }
    }
  }
`;

graphql`
  fragment ProgressNotes_note on ProgressNote {
    title
    note
    priority
    createdDate
  }
`;

const create = graphql`
  mutation ProgressNotesCreateMutation($input: ProgressNoteCreateInput!, $connections: [ID!]!) {
    progressNoteCreate(input: $input) {
      progressNote @prependNode(connections: $connections, edgeTypeName: "ProgressNoteEdge") {
        id
        ...ProgressNotes_note @relay(mask: false)
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const PRIORITY_COLOR: Record<string, string> = { LOW: "gray", NORMAL: "blue", HIGH: "orange", URGENT: "red" };

type Props = { patient: ProgressNotes_patient$key; patientId: string; canAdd: boolean };

export function ProgressNotes({ patient, patientId, canAdd }: Props) {
  const { progressNotes } = useFragment(fragment, patient);
  const { timeZone } = useViewer();
  return (
    <Section title="Progress notes" id="notes-title">
      <Stack gap="sm">
        {canAdd && <AddNote patientId={patientId} connection={progressNotes.__id} />}
        {progressNotes.edges.length === 0 && <Text c="dimmed">No progress note yet.</Text>}
        {progressNotes.edges.map(({ node }) => (
          <article key={node.id} aria-label={node.title} data-testid="progress-note">
            <Group gap="xs">
              <Text fw={600}>{node.title}</Text>
              <Tag color={PRIORITY_COLOR[node.priority] ?? "gray"}>
                {node.priority.toLowerCase()}
              </Tag>
              <Text size="sm" c="dimmed">
                {formatDateTime(node.createdDate, timeZone)}
              </Text>
            </Group>
            {node.note != null && (
              <Text size="sm" style={{ whiteSpace: "pre-line" }}>
                {node.note}
              </Text>
            )}
          </article>
        ))}
        {progressNotes.totalCount > progressNotes.edges.length && (
          <Text size="sm" c="dimmed">
            {progressNotes.totalCount - progressNotes.edges.length} older notes not shown.
          </Text>
        )}
      </Stack>
    </Section>
  );
}

function AddNote({ patientId, connection }: { patientId: string; connection: string }) {
  const [title, setTitle] = useState("");
  const [note, setNote] = useState("");
  const [priority, setPriority] = useState<ProgressNotePriority>("NORMAL");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [commit, pending] = useMutation<ProgressNotesCreateMutation>(create);

  function submit(event: FormEvent) {
    event.preventDefault();
    setErrors({});
    commit({
      variables: { input: { patient: patientId, title, note, priority }, connections: [connection] },
      onCompleted: ({ progressNoteCreate }) => {
        const problems = progressNoteCreate.userErrors;
        if (problems.length) {
          const byField: Record<string, string> = {};
          for (const p of problems) {
            const key = p.field?.split(".").pop() ?? "";
            const field = ["title", "note"].includes(key) ? key : "";
            byField[field] = [byField[field], p.message].filter(Boolean).join(" ");
          }
          setErrors(byField);
          return;
        }
        setTitle("");
        setNote("");
        setPriority("NORMAL");
      },
      onError: (e) => setErrors({ "": messageOf(e) || userErrorText([]) }),
    });
  }

  return (
    <form onSubmit={submit} aria-label="Add a progress note">
      <Stack gap="xs">
        {errors[""] && (
          <Alert color="red" role="alert">
            {errors[""]}
          </Alert>
        )}
        <Group align="start" grow wrap="wrap">
          <TextInput label="Note title" required value={title} error={errors.title} onChange={(e) => setTitle(e.currentTarget.value)} />
          <Select
            label="Priority"
            value={priority}
            allowDeselect={false}
            onChange={(v) => v && setPriority(v as ProgressNotePriority)}
            data={[
              { value: "LOW", label: "Low" },
              { value: "NORMAL", label: "Normal" },
              { value: "HIGH", label: "High" },
              { value: "URGENT", label: "Urgent" },
            ]}
          />
        </Group>
        <Textarea label="Note" required autosize minRows={2} value={note} error={errors.note} onChange={(e) => setNote(e.currentTarget.value)} />
        <Button type="submit" loading={pending} w="fit-content">
          Add note
        </Button>
      </Stack>
    </form>
  );
}
