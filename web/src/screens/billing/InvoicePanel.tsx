/**
 * One invoice, chosen in the aging list: its lines and figures, its payments (record one, void
 * one), and, once closed, a credit note for it. Read on its own when chosen; read again after
 * each write so that every figure is the API's.
 */
import { Alert, Button, CloseButton, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { graphql, useLazyLoadQuery, useMutation } from "react-relay";
import { useSearchParams } from "react-router";

import { formatDate, formatDateTime, todayIn } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { useViewer } from "../../lib/viewer";
import { messageOf } from "../../relay/errors";
import type { InvoicePanelCloseMutation } from "./__generated__/InvoicePanelCloseMutation.graphql";
import type { InvoicePanelCreditMutation } from "./__generated__/InvoicePanelCreditMutation.graphql";
import type { InvoicePanelPayMutation, PaymentMethod } from "./__generated__/InvoicePanelPayMutation.graphql";
import type { InvoicePanelQuery, InvoicePanelQuery$data } from "./__generated__/InvoicePanelQuery.graphql";
import type { InvoicePanelVoidMutation } from "./__generated__/InvoicePanelVoidMutation.graphql";
import { fieldErrors } from "./fieldErrors";
import { Tag } from "../patients/Section";

const query = graphql`
  query InvoicePanelQuery($id: ID!) {
    invoice(id: $id) {
      id
      revision
      number
      invoiceType
      status
      closed
      invoiceDate
      dueDate
      daysOverdue
      subtotal
      taxTotal
      total
      amountPaid
      amountCredited
      amountDue
      creditReason
      creditedInvoice {
        number
      }
      patient {
        name {
          first
          last
        }
      }
      client {
        name
      }
      services {
        code
        description
        quantity
        rate
        amount
      }
      payments(first: 50) {
        nodes {
          id
          revision
          amount
          date
          method
          reference
          void
          voidDate
          voidReason
        }
      }
    }
  }
`;

const pay = graphql`
  mutation InvoicePanelPayMutation($input: PaymentCreateInput!) {
    paymentCreate(input: $input) {
      payment {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const voidPayment = graphql`
  mutation InvoicePanelVoidMutation($id: ID!, $revision: Int!, $reason: String!) {
    paymentVoid(id: $id, revision: $revision, reason: $reason) {
      payment {
        id
        void
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const close = graphql`
  mutation InvoicePanelCloseMutation($id: ID!, $revision: Int!) {
    invoiceClose(id: $id, revision: $revision) {
      invoice {
        id
        closed
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const credit = graphql`
  mutation InvoicePanelCreditMutation($id: ID!, $reason: String!) {
    invoiceCredit(id: $id, reason: $reason) {
      creditNote {
        id
        number
        total
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

type Invoice = NonNullable<InvoicePanelQuery$data["invoice"]>;
type Props = { id: string; changes: number; onChanged: () => void; canManage: boolean };

const METHODS: { value: PaymentMethod; label: string }[] = [
  { value: "CHEQUE", label: "Cheque" },
  { value: "EFT", label: "Electronic transfer" },
  { value: "CARD", label: "Card" },
  { value: "CASH", label: "Cash" },
  { value: "INSURANCE", label: "Insurer" },
  { value: "OTHER", label: "Other" },
];

export function InvoicePanel({ id, changes, onChanged, canManage }: Props) {
  const { invoice } = useLazyLoadQuery<InvoicePanelQuery>(query, { id }, { fetchKey: changes, fetchPolicy: "store-and-network" });
  const { currency } = useViewer();
  const [, setParams] = useSearchParams();
  if (!invoice) {
    return (
      <Alert color="yellow" role="alert" title="No such invoice">
        This invoice is not in your agency.
      </Alert>
    );
  }
  const money = (value: string | null | undefined) => (value != null ? formatMoney(value, currency) : "");
  const isCreditNote = invoice.invoiceType === "CREDIT_NOTE";
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="invoice-title" data-testid="invoice-panel">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h3" id="invoice-title">
          {isCreditNote ? "Credit note" : "Invoice"} {invoice.number ?? ""}
        </Title>
        <CloseButton aria-label="Close the invoice" onClick={() => setParams({})} />
      </Group>
      <Stack gap="sm">
        <Group gap="xs">
          <Tag>{invoice.status.replace("_", " ").toLowerCase()}</Tag>
          {invoice.closed && <Tag color="gray">closed</Tag>}
          {invoice.daysOverdue != null && <Tag color="red">{invoice.daysOverdue} days overdue</Tag>}
        </Group>
        <Text size="sm">
          {invoice.patient?.name ? `${invoice.patient.name.first} ${invoice.patient.name.last}` : ""}
          {invoice.client?.name ? `, billed to ${invoice.client.name}` : ""}; dated {formatDate(invoice.invoiceDate)}, due{" "}
          {formatDate(invoice.dueDate)}.
          {invoice.creditedInvoice?.number ? ` Credits ${invoice.creditedInvoice.number}: ${invoice.creditReason ?? ""}` : ""}
        </Text>
        <Table.ScrollContainer minWidth={420}>
          <Table aria-label="Lines">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Service</Table.Th>
                <Table.Th ta="right">Quantity</Table.Th>
                <Table.Th ta="right">Rate</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(invoice.services ?? []).map((line, n) => (
                <Table.Tr key={n}>
                  <Table.Td>{line.description ?? line.code}</Table.Td>
                  <Table.Td ta="right">{line.quantity}</Table.Td>
                  <Table.Td ta="right">{money(line.rate)}</Table.Td>
                  <Table.Td ta="right">{money(line.amount)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <SimpleGrid cols={{ base: 2, sm: 5 }} data-testid="invoice-figures">
          <Figure label="Subtotal" value={money(invoice.subtotal)} />
          <Figure label="Taxes" value={money(invoice.taxTotal)} />
          <Figure label="Total" value={money(invoice.total)} />
          <Figure label="Paid" value={money(invoice.amountPaid)} />
          <Figure label="Credited" value={money(invoice.amountCredited)} />
          <Figure label="Amount due" value={money(invoice.amountDue)} />
        </SimpleGrid>
        <Payments invoice={invoice} canManage={canManage} onChanged={onChanged} />
        {canManage && !isCreditNote && <RecordPayment invoice={invoice} onChanged={onChanged} />}
        {canManage && !isCreditNote && <CloseOrCredit invoice={invoice} onChanged={onChanged} />}
      </Stack>
    </Paper>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} data-testid={`figure-${label.toLowerCase().replace(" ", "-")}`}>
        {value}
      </Text>
    </div>
  );
}

function Payments({ invoice, canManage, onChanged }: { invoice: Invoice; canManage: boolean; onChanged: () => void }) {
  const { currency, timeZone } = useViewer();
  const [voiding, setVoiding] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [commit, pending] = useMutation<InvoicePanelVoidMutation>(voidPayment);
  const payments = invoice.payments.nodes;

  function submit(event: FormEvent, payment: (typeof payments)[number]) {
    event.preventDefault();
    setError(null);
    commit({
      variables: { id: payment.id, revision: payment.revision, reason },
      onCompleted: ({ paymentVoid }) => {
        if (paymentVoid.userErrors.length) {
          setError(paymentVoid.userErrors.map((e) => e.message).join(" "));
          return;
        }
        setVoiding(null);
        setReason("");
        onChanged();
      },
      onError: (e) => setError(messageOf(e)),
    });
  }

  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        Payments
      </Title>
      {payments.length === 0 && <Text c="dimmed">No payment recorded.</Text>}
      {payments.map((p) => (
        <div key={p.id} data-testid="payment">
          <Group gap="xs">
            <Text td={p.void ? "line-through" : undefined}>
              {p.amount != null ? formatMoney(p.amount, currency) : ""} by {p.method.toLowerCase()} on {p.date ? formatDate(p.date) : ""}
              {p.reference ? ` (${p.reference})` : ""}
            </Text>
            {p.void ? (
              <Tag color="gray">
                void{p.voidDate ? ` since ${formatDateTime(p.voidDate, timeZone)}` : ""}: {p.voidReason}
              </Tag>
            ) : (
              canManage &&
              voiding !== p.id && (
                <Button size="xs" variant="subtle" color="red" onClick={() => setVoiding(p.id)}>
                  Void this payment
                </Button>
              )
            )}
          </Group>
          {voiding === p.id && (
            <form onSubmit={(e) => submit(e, p)} aria-label="Void the payment">
              <Group align="end">
                <TextInput label="Why it is void" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={error} />
                <Button type="submit" color="red" loading={pending}>
                  Void
                </Button>
                <Button variant="default" onClick={() => setVoiding(null)}>
                  Keep it
                </Button>
              </Group>
            </form>
          )}
        </div>
      ))}
    </Stack>
  );
}

function RecordPayment({ invoice, onChanged }: { invoice: Invoice; onChanged: () => void }) {
  const { timeZone } = useViewer();
  const [amount, setAmount] = useState("");
  const [date, setDate] = useState(() => todayIn(timeZone));
  const [method, setMethod] = useState<PaymentMethod>("CHEQUE");
  const [reference, setReference] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const [commit, pending] = useMutation<InvoicePanelPayMutation>(pay);

  function submit(event: FormEvent) {
    event.preventDefault();
    setErrors({});
    setDone(null);
    // the amount goes to the API as the clerk typed it: a Decimal string, never a float
    commit({
      variables: { input: { invoice: invoice.id, amount: amount.trim(), date, method, reference: reference || null } },
      onCompleted: ({ paymentCreate }) => {
        if (paymentCreate.userErrors.length) {
          setErrors(fieldErrors(paymentCreate.userErrors, ["amount", "date", "method", "reference"]));
          return;
        }
        setAmount("");
        setReference("");
        setDone("The payment is recorded.");
        onChanged();
      },
      onError: (e) => setErrors({ "": messageOf(e) }),
    });
  }

  return (
    <form onSubmit={submit} aria-labelledby="record-payment-title">
      <Title order={3} size="h5" id="record-payment-title" mb="xs">
        Record a payment
      </Title>
      {errors[""] && (
        <Alert color="red" role="alert" mb="xs">
          {errors[""]}
        </Alert>
      )}
      {done && (
        <Text c="green.8" role="status" size="sm">
          {done}
        </Text>
      )}
      <Group align="start" wrap="wrap">
        <TextInput label="Amount" required inputMode="decimal" placeholder="0.00" value={amount} error={errors.amount} onChange={(e) => setAmount(e.currentTarget.value)} w={130} />
        <TextInput type="date" label="Received on" required value={date} error={errors.date} onChange={(e) => setDate(e.currentTarget.value)} />
        <Select label="Method" value={method} allowDeselect={false} data={METHODS} error={errors.method} onChange={(v) => v && setMethod(v as PaymentMethod)} w={190} />
        <TextInput label="Reference" value={reference} error={errors.reference} onChange={(e) => setReference(e.currentTarget.value)} w={170} />
      </Group>
      <Button type="submit" mt="sm" loading={pending}>
        Record payment
      </Button>
    </form>
  );
}

function CloseOrCredit({ invoice, onChanged }: { invoice: Invoice; onChanged: () => void }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const [commitClose, closing] = useMutation<InvoicePanelCloseMutation>(close);
  const [commitCredit, crediting] = useMutation<InvoicePanelCreditMutation>(credit);
  const { currency } = useViewer();

  if (!invoice.closed) {
    return (
      <Group>
        {error && (
          <Text c="red.8" role="alert">
            {error}
          </Text>
        )}
        <Button
          variant="default"
          loading={closing}
          onClick={() =>
            commitClose({
              variables: { id: invoice.id, revision: invoice.revision },
              onCompleted: ({ invoiceClose }) => {
                if (invoiceClose.userErrors.length) setError(invoiceClose.userErrors.map((e) => e.message).join(" "));
                else onChanged();
              },
              onError: (e) => setError(messageOf(e)),
            })
          }
        >
          Close the invoice
        </Button>
      </Group>
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    commitCredit({
      variables: { id: invoice.id, reason },
      onCompleted: ({ invoiceCredit }) => {
        if (invoiceCredit.userErrors.length || !invoiceCredit.creditNote) {
          setError(invoiceCredit.userErrors.map((e) => e.message).join(" "));
          return;
        }
        const note = invoiceCredit.creditNote;
        setMade(`Credit note ${note.number ?? ""} made for ${note.total != null ? formatMoney(note.total, currency) : ""}.`);
        setReason("");
        onChanged();
      },
      onError: (e) => setError(messageOf(e)),
    });
  }

  return (
    <form onSubmit={submit} aria-labelledby="credit-title">
      <Title order={3} size="h5" id="credit-title" mb="xs">
        Credit this invoice
      </Title>
      {made && (
        <Text c="green.8" role="status" size="sm" data-testid="credit-made">
          {made}
        </Text>
      )}
      <Group align="start">
        <TextInput label="Reason for the credit" required value={reason} error={error} onChange={(e) => setReason(e.currentTarget.value)} w={320} />
        <Button type="submit" mt={25} loading={crediting}>
          Credit what is left
        </Button>
      </Group>
    </form>
  );
}
