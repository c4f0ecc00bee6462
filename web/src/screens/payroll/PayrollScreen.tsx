import { Text, Title } from "@mantine/core";

// TODO(issue 16): build payroll (generate, review, adjust, close) here, one query for its first paint.
export default function PayrollScreen() {
  return (
    <>
      <Title order={1}>Payroll</Title>
      <Text>This screen is not built yet.</Text>
    </>
  );
}
