/** Change one's own password (`passwordChange`): every other session of the person ends. */
import { Alert, Button, PasswordInput, Stack, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState, type FormEvent } from "react";
import { graphql, useMutation } from "react-relay";

import { messageOf, userErrorText } from "../../relay/errors";
import type { ChangePasswordScreenMutation } from "./__generated__/ChangePasswordScreenMutation.graphql";

const mutation = graphql`
  mutation ChangePasswordScreenMutation($current: String!, $new: String!) {
    passwordChange(current: $current, new: $new) {
      changed
      sessionsEnded
      userErrors {
        message
        code
        field
      }
    }
  }
`;

export default function ChangePasswordScreen() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [commit, pending] = useMutation<ChangePasswordScreenMutation>(mutation);

  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    commit({
      variables: { current, new: next },
      onCompleted: ({ passwordChange }) => {
        if (!passwordChange.changed) {
          setError(userErrorText(passwordChange.userErrors) || "The password was not changed.");
          return;
        }
        const ended = passwordChange.sessionsEnded;
        const message = `Your password is changed.${ended ? ` ${ended} other session(s) ended.` : ""}`;
        setDone(message);
        setCurrent("");
        setNext("");
        notifications.show({ message, color: "green" });
      },
      onError: (e) => setError(messageOf(e)),
    });
  }

  return (
    <form onSubmit={submit} aria-labelledby="password-title" style={{ maxWidth: 420 }}>
      <Stack>
        <Title order={1} id="password-title">
          Change password
        </Title>
        {error && (
          <Alert color="red" role="alert" data-testid="password-error">
            {error}
          </Alert>
        )}
        {done && (
          <Alert color="green" role="status" data-testid="password-changed">
            {done}
          </Alert>
        )}
        <PasswordInput
          label="Current password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
        />
        <PasswordInput
          label="New password"
          description="12 to 256 characters; not a common or easy one."
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
        />
        <Button type="submit" loading={pending} w="fit-content">
          Change password
        </Button>
      </Stack>
    </form>
  );
}
