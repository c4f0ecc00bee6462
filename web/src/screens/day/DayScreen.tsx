import { Text, Title } from "@mantine/core";

// TODO(issue 16): build the caregiver's day (phone-sized) here, one query for its first paint.
export default function DayScreen() {
  return (
    <>
      <Title order={1}>Caregiver's day</Title>
      <Text>This screen is not built yet.</Text>
    </>
  );
}
