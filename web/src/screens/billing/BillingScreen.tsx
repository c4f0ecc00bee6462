/**
 * Billing: generate a period's invoices (a dry run first, then the batch), the unpaid and aging
 * list, and the invoice chosen in it (its payments recorded and voided, closed, credited). The
 * first paint is one query (`BillingScreenQuery`: the list's first page); an invoice opened
 * from the list, or from the patient chart (`?invoice=`), is read on its own.
 */
import { Stack, Title } from "@mantine/core";
import { Suspense, useState } from "react";
import { graphql, useLazyLoadQuery } from "react-relay";
import { useSearchParams } from "react-router";

import { can, useViewer } from "../../lib/viewer";
import { Loading } from "../../shell/Loading";
import type { BillingScreenQuery } from "./__generated__/BillingScreenQuery.graphql";
import { AGING_PAGE, AgingList } from "./AgingList";
import { GenerateInvoices } from "./GenerateInvoices";
import { InvoicePanel } from "./InvoicePanel";

const query = graphql`
  query BillingScreenQuery($first: Int!) {
    ...AgingList_query @arguments(first: $first)
  }
`;

export default function BillingScreen() {
  const viewer = useViewer();
  const data = useLazyLoadQuery<BillingScreenQuery>(query, { first: AGING_PAGE });
  const [params, setParams] = useSearchParams();
  const chosen = params.get("invoice");
  // bumped by every write, so that the list and the open invoice are read again
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((n) => n + 1);
  const manage = can(viewer, "MANAGE_BILLING");
  return (
    <Stack>
      <Title order={1}>Billing</Title>
      {manage && <GenerateInvoices onGenerated={changed} />}
      <AgingList
        query={data}
        changes={changes}
        chosen={chosen}
        onChoose={(id) => setParams(id ? { invoice: id } : {})}
      />
      {chosen && (
        <Suspense fallback={<Loading />}>
          <InvoicePanel id={chosen} changes={changes} onChanged={changed} canManage={manage} />
        </Suspense>
      )}
    </Stack>
  );
}
