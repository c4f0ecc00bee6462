import { Text, Title } from "@mantine/core";

// TODO(issue 16): build the scheduler's week board (caregivers as rows, days as columns) here, one query for its first paint.
export default function BoardScreen() {
  return (
    <>
      <Title order={1}>Scheduler's week board</Title>
      <Text>This screen is not built yet.</Text>
    </>
  );
}
