import { Text, Title } from "@mantine/core";

// TODO(issue 16): build the patient chart here, one query for its first paint.
export default function PatientChartScreen() {
  return (
    <>
      <Title order={1}>Patient chart</Title>
      <Text>This screen is not built yet.</Text>
    </>
  );
}
