/** Adding an adjustment to a payroll line (`payrollUserAdjustmentAdd`), in a dialog. */
import { Alert, Button, Group, Modal, Select, Stack, TextInput } from "@mantine/core";
import { useState } from "react";
import { graphql, useMutation } from "react-relay";

import { messageOf } from "../../relay/errors";
import type {
  AdjustmentFormMutation,
  PayrollAdjustmentKind,
} from "./__generated__/AdjustmentFormMutation.graphql";
import { READABLE } from "./notice";

const mutation = graphql`
  mutation AdjustmentFormMutation($id: ID!, $revision: Int!, $adjustment: PayrollAdjustmentInput!) {
    payrollUserAdjustmentAdd(id: $id, revision: $revision, adjustment: $adjustment) {
      payrollUser {
        ...PayrollLine_changed
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const KINDS: { value: PayrollAdjustmentKind; label: string }[] = [
  { value: "BONUS", label: "Bonus (adds)" },
  { value: "REIMBURSEMENT", label: "Reimbursement (adds)" },
  { value: "MILEAGE", label: "Mileage (adds)" },
  { value: "DEDUCTION", label: "Deduction (subtracts)" },
  { value: "OTHER", label: "Other (adds)" },
];

type Errors = { kind?: string; amount?: string; description?: string; form?: string };

type Props = { line: string; revision: number; name: string; onClose: () => void };

export function AdjustmentForm({ line, revision, name, onClose }: Props) {
  const [kind, setKind] = useState<PayrollAdjustmentKind>("BONUS");
  const [amount, setAmount] = useState("");
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [add, adding] = useMutation<AdjustmentFormMutation>(mutation);

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setErrors({});
    const adjustment = { kind, amount: amount.trim(), description: description.trim() || null };
    add({
      variables: { id: line, revision, adjustment },
      onCompleted: (answer) => {
        const problems = answer.payrollUserAdjustmentAdd.userErrors;
        if (problems.length === 0) {
          onClose();
          return;
        }
        const found: Errors = {};
        for (const e of problems) {
          const field = e.field ?? "";
          const key = (["kind", "amount", "description"] as const).find((k) => field.endsWith(k)) ?? "form";
          found[key] = [found[key], e.message].filter(Boolean).join(" ");
        }
        setErrors(found);
      },
      onError: (e) => setErrors({ form: messageOf(e) }),
    });
  }

  return (
    <Modal opened onClose={onClose} title={`Adjustment for ${name}`} centered closeButtonProps={{ "aria-label": "Close" }}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Select
            label="Kind"
            data={KINDS}
            value={kind}
            allowDeselect={false}
            error={errors.kind}
            onChange={(value) => value && setKind(value as PayrollAdjustmentKind)}
          />
          <TextInput
            label="Amount"
            description="To the cent, never negative: the kind says whether it adds or subtracts."
            inputMode="decimal"
            required
            value={amount}
            error={errors.amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
          />
          <TextInput
            label="Description"
            value={description}
            error={errors.description}
            onChange={(e) => setDescription(e.currentTarget.value)}
          />
          {errors.form && (
            <Alert color="red" styles={READABLE} role="alert">
              {errors.form}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={adding}>
              Add adjustment
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
