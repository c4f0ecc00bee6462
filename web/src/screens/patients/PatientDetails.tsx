/** The patient's details and needs: what a scheduler matches a caregiver against. */
import { Group, Stack, Table, Text } from "@mantine/core";
import { graphql, useFragment } from "react-relay";

import { formatDate } from "../../lib/dates";
import type { PatientDetails_patient$key } from "./__generated__/PatientDetails_patient.graphql";
import { Section, Tag } from "./Section";

const fragment = graphql`
  fragment PatientDetails_patient on Patient {
    status
    gender
    chartId
    phones {
      number
      type
      primary
    }
    locations {
      address1
      city
      region
      postalCode
      primary
    }
    languages {
      code
      name
      fluency
      primary
    }
    requiredSkills {
      title
      level
    }
    requiredCertifications
    hasPets
    typeOfPets
    isSmoker
    caregiverGender
    needsDriving
    importantNotes
    generalNotes
    problems @include(if: $canReadClinical) {
      title
      since
      severity
    }
    caseCoordinator @include(if: $isOffice) {
      fullName
    }
  }
`;

function words(value: string | null | undefined): string {
  return value ? value.replaceAll("_", " ").toLowerCase() : "";
}

function yesNo(value: boolean | null | undefined): string {
  return value == null ? "Not recorded" : value ? "Yes" : "No";
}

export function PatientDetails({ patient }: { patient: PatientDetails_patient$key }) {
  const p = useFragment(fragment, patient);
  const location = p.locations.find((l) => l.primary) ?? p.locations[0];
  const rows: [string, React.ReactNode][] = [
    ["Status", <Tag>{words(p.status)}</Tag>],
    ["Chart id", p.chartId ?? ""],
    ["Gender", words(p.gender)],
    ["Phone", p.phones.map((ph) => `${ph.number} (${words(ph.type)})`).join(", ")],
    ["Address", location ? [location.address1, location.city, location.region, location.postalCode].filter(Boolean).join(", ") : ""],
    ["Case coordinator", p.caseCoordinator?.fullName ?? ""],
  ];
  const needs: [string, React.ReactNode][] = [
    ["Languages", p.languages.map((l) => `${l.name ?? l.code} (${words(l.fluency)}${l.primary ? ", main" : ""})`).join(", ") || "None recorded"],
    [
      "Required skills",
      p.requiredSkills.length ? (
        <Group gap={4}>
          {p.requiredSkills.map((s) => (
            <Tag key={s.title}>
              {s.title}: {words(s.level)}
            </Tag>
          ))}
        </Group>
      ) : (
        "None"
      ),
    ],
    ["Certifications", p.requiredCertifications.join(", ") || "None"],
    ["Pets", p.hasPets ? `Yes${p.typeOfPets.length ? `: ${p.typeOfPets.map(words).join(", ")}` : ""}` : yesNo(p.hasPets)],
    ["Smokes", yesNo(p.isSmoker)],
    ["Caregiver gender", p.caregiverGender ? words(p.caregiverGender) : "No preference"],
    ["Needs driving", yesNo(p.needsDriving)],
  ];
  return (
    <>
      <Section title="Details" id="details-title">
        <Facts rows={rows} label="Details" />
        {p.importantNotes && (
          <Text mt="sm" fw={500}>
            Important: {p.importantNotes}
          </Text>
        )}
        {p.generalNotes && <Text mt="xs">{p.generalNotes}</Text>}
      </Section>
      <Section title="Needs" id="needs-title">
        <Facts rows={needs} label="Needs" />
        {p.problems && p.problems.length > 0 && (
          <Stack gap={2} mt="sm">
            <Text fw={500}>Health problems</Text>
            {p.problems.map((pr) => (
              <Text key={pr.title} size="sm">
                {pr.title}
                {pr.severity ? ` (${pr.severity})` : ""}
                {pr.since ? `, since ${formatDate(pr.since)}` : ""}
              </Text>
            ))}
          </Stack>
        )}
      </Section>
    </>
  );
}

function Facts({ rows, label }: { rows: [string, React.ReactNode][]; label: string }) {
  return (
    <Table aria-label={label} withRowBorders={false} verticalSpacing={4}>
      <Table.Tbody>
        {rows.map(([name, value]) => (
          <Table.Tr key={name}>
            <Table.Th scope="row" w="40%" fw={500}>
              {name}
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
