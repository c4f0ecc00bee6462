import { Badge, Paper, Title } from "@mantine/core";
import type { ReactNode } from "react";

/** A titled part of a screen, named for screen readers by its heading. */
export function Section({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id}>
      <Title order={2} size="h4" id={id} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

/** A coloured badge whose words stay dark, so they keep their contrast whatever the colour. */
export function Tag({ color = "gray", children }: { color?: string | undefined; children: ReactNode }) {
  return (
    <Badge variant="light" color={color} c="dark.9" fw={600} miw="fit-content" style={{ flexShrink: 0 }}>
      {children}
    </Badge>
  );
}
