/**
 * Sign in: email and password through the `signIn` mutation; when the API answers
 * OTP_REQUIRED, the same form asks for the authenticator app's code and sends all three.
 * The API also sets the session's refresh cookie (the environment asks for it).
 */
import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { graphql, useMutation } from "react-relay";

import { signedIn } from "../../lib/session";
import { messageOf, userErrorText } from "../../relay/errors";
import type { SignInScreenMutation } from "./__generated__/SignInScreenMutation.graphql";

const mutation = graphql`
  mutation SignInScreenMutation($email: String!, $password: String!, $otp: String) {
    signIn(email: $email, password: $password, otp: $otp) {
      accessToken
      expiresAt
      userErrors {
        message
        code
      }
    }
  }
`;

export default function SignInScreen() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [otp, setOtp] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [commit, pending] = useMutation<SignInScreenMutation>(mutation);

  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    commit({
      variables: { email, password, otp },
      onCompleted: ({ signIn }) => {
        const errors = signIn.userErrors;
        if (errors.some((e) => e.code === "OTP_REQUIRED") && otp === null) {
          setOtp("");
          return;
        }
        if (errors.length > 0 || !signIn.accessToken || !signIn.expiresAt) {
          setError(userErrorText(errors) || "Sign-in was refused.");
          return;
        }
        signedIn({ accessToken: signIn.accessToken, expiresAt: signIn.expiresAt });
      },
      onError: (e) => setError(messageOf(e)),
    });
  }

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={400}>
        <form onSubmit={submit} aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} id="sign-in-title" size="h2">
              Sign in to Caregraph
            </Title>
            {error && (
              <Alert color="red" role="alert" data-testid="sign-in-error">
                {error}
              </Alert>
            )}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            {otp !== null && (
              <TextInput
                label="Code from your authenticator app"
                description="Your account asks for a one-time code."
                inputMode="numeric"
                autoComplete="one-time-code"
                required
                autoFocus
                value={otp}
                onChange={(e) => setOtp(e.currentTarget.value)}
              />
            )}
            <Button type="submit" loading={pending}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
