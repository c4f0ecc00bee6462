import { Text, Title } from "@mantine/core";

// TODO(issue 16): build billing (invoices, payments, aging) here, one query for its first paint.
export default function BillingScreen() {
  return (
    <>
      <Title order={1}>Billing</Title>
      <Text>This screen is not built yet.</Text>
    </>
  );
}
