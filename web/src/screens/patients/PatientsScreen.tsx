import { Text, Title } from "@mantine/core";

// TODO(issue 16): build the patients list here, one query for its first paint.
export default function PatientsScreen() {
  return (
    <>
      <Title order={1}>Patients list</Title>
      <Text>This screen is not built yet.</Text>
    </>
  );
}
