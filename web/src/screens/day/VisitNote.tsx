/** The caregiver's note on their visit, stored on its punchcard (`punchcardNote`). */
import { Button, Stack, Text, Textarea } from "@mantine/core";
import { useState } from "react";
import { graphql, useFragment, useMutation } from "react-relay";

import { messageOf, userErrorText } from "../../relay/errors";
import type { VisitNote_punchcard$key } from "./__generated__/VisitNote_punchcard.graphql";
import type { VisitNoteMutation } from "./__generated__/VisitNoteMutation.graphql";

const fragment = graphql`
  fragment VisitNote_punchcard on Punchcard {
    id
    revision
    actual {
      notes
    }
  }
`;

const mutation = graphql`
  mutation VisitNoteMutation($punchcard: ID!, $notes: String!, $revision: Int) {
    punchcardNote(punchcard: $punchcard, notes: $notes, revision: $revision) {
      punchcard {
        id
        ...VisitNote_punchcard
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export function VisitNote({ punchcard }: { punchcard: VisitNote_punchcard$key }) {
  const data = useFragment(fragment, punchcard);
  const stored = data.actual?.notes ?? "";
  const [text, setText] = useState(stored);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [save, saving] = useMutation<VisitNoteMutation>(mutation);

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(false);
    save({
      variables: { punchcard: data.id, notes: text, revision: data.revision },
      onCompleted: (answer) => {
        const problems = userErrorText(answer.punchcardNote.userErrors);
        setError(problems || null);
        setSaved(!problems);
      },
      onError: (e) => setError(messageOf(e)),
    });
  }

  return (
    <form onSubmit={submit}>
      <Stack gap="xs">
        <Textarea
          label="Note for the visit"
          description="What the office should know: how the visit went, anything to follow up."
          autosize
          minRows={3}
          size="md"
          styles={{ description: { color: "var(--mantine-color-gray-7)" } }}
          value={text}
          error={error}
          onChange={(e) => {
            setText(e.currentTarget.value);
            setSaved(false);
          }}
        />
        <Button type="submit" size="lg" variant="outline" loading={saving} disabled={text === stored}>
          Save note
        </Button>
        {saved && (
          <Text c="teal.9" role="status" data-testid="note-saved">
            Note saved.
          </Text>
        )}
      </Stack>
    </form>
  );
}
