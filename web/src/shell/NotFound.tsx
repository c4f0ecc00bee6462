import { Anchor, Text, Title } from "@mantine/core";
import { Link } from "react-router";

export function NotFound() {
  return (
    <>
      <Title order={1}>Page not found</Title>
      <Text>
        There is no page here. <Anchor component={Link} to="/">Go to your first screen</Anchor>.
      </Text>
    </>
  );
}

export function NotAllowed() {
  return (
    <>
      <Title order={1}>Not for your role</Title>
      <Text>Your role may not use this screen. Ask an administrator if you need it.</Text>
    </>
  );
}
