/**
 * A patient's chart: details and needs, next visits, progress notes, invoices and care tickets,
 * in one query. Each part is asked for only when the viewer's role may read it (the API's
 * policy, app/data/policy.py, mirrored by `chartAccess`): a billing clerk's request holds no
 * progress note, a scheduler's no invoice, a caregiver's neither invoices nor tickets.
 */
import { Alert, Grid, Stack, Title } from "@mantine/core";
import { graphql, useLazyLoadQuery } from "react-relay";
import { useParams } from "react-router";

import { can, isOffice, useViewer, type ViewerInfo } from "../../lib/viewer";
import type { PatientChartScreenQuery } from "./__generated__/PatientChartScreenQuery.graphql";
import { NextVisits } from "./NextVisits";
import { PatientDetails } from "./PatientDetails";
import { PatientInvoices } from "./PatientInvoices";
import { PatientTickets } from "./PatientTickets";
import { ProgressNotes } from "./ProgressNotes";

const query = graphql`
  query PatientChartScreenQuery(
    $id: ID!
    $now: DateTime!
    $isOffice: Boolean!
    $canReadClinical: Boolean!
    $canReadBilling: Boolean!
  ) {
    patient(id: $id) {
      id
      fullName
      ...PatientDetails_patient
      ...NextVisits_patient
      ...ProgressNotes_patient @include(if: $canReadClinical) @alias(as: "notes")
      ...PatientInvoices_patient @include(if: $canReadBilling) @alias(as: "invoices")
      ...PatientTickets_patient @include(if: $isOffice) @alias(as: "tickets")
    }
  }
`;

/** What the viewer's role reads on a chart, as the policy gives it. */
export function chartAccess(viewer: ViewerInfo) {
  const office = isOffice(viewer);
  return {
    isOffice: office,
    // office roles need VIEW_CLINICAL; a caregiver reads it about the patients they visit
    canReadClinical: can(viewer, "VIEW_CLINICAL") || viewer.roleType === "CAREGIVER",
    // invoices are office records: no permission opens them to a caregiver
    canReadBilling: office && can(viewer, "VIEW_BILLING"),
    canAddNotes: can(viewer, "MANAGE_PATIENTS", "VIEW_CLINICAL"),
  };
}

export default function PatientChartScreen() {
  const { id = "" } = useParams();
  const viewer = useViewer();
  const access = chartAccess(viewer);
  // "from now" to the minute: a component that suspends keeps no state, so an instant taken
  // at each render would make new variables, hence a new request, at every render
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  const data = useLazyLoadQuery<PatientChartScreenQuery>(query, {
    id,
    now,
    isOffice: access.isOffice,
    canReadClinical: access.canReadClinical,
    canReadBilling: access.canReadBilling,
  });
  const patient = data.patient;
  if (!patient) {
    return (
      <Alert color="yellow" title="No such patient" role="alert">
        This patient is not in your agency, or is not one you care for.
      </Alert>
    );
  }
  return (
    <Stack>
      <Title order={1}>{patient.fullName}</Title>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Stack>
            <PatientDetails patient={patient} />
            {patient.tickets && <PatientTickets patient={patient.tickets} />}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Stack>
            <NextVisits patient={patient} />
            {patient.notes && (
              <ProgressNotes patient={patient.notes} patientId={patient.id} canAdd={access.canAddNotes} />
            )}
            {patient.invoices && <PatientInvoices patient={patient.invoices} />}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
