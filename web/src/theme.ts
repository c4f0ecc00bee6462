import { createTheme } from "@mantine/core";

/** Colours chosen for WCAG 2.1 AA contrast on white (the axe scan in tests/browser checks). */
export const theme = createTheme({
  primaryColor: "indigo",
  primaryShade: 8,
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
});
