/** An alert's title and message in the text's colour: coloured text on the alert's light
 * tint fails WCAG AA contrast (the tint and the icon still say what kind it is). */
export const READABLE = {
  title: { color: "var(--mantine-color-text)" },
  message: { color: "var(--mantine-color-text)" },
};
