/**
 * Previous / next paging under a list, with "Page n of m": the lists page by Relay cursors
 * (`before`/`after`), so the buttons follow the connection's `pageInfo`.
 */
import { Button, Group, Text } from "@mantine/core";

export type PagerProps = {
  page: number;
  pages: number;
  pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean };
  /** A page is being read: both buttons wait. */
  pending: boolean;
  onPrevious: () => void;
  onNext: () => void;
};

export function Pager({ page, pages, pageInfo, pending, onPrevious, onNext }: PagerProps) {
  return (
    <Group justify="space-between" mt="sm">
      <Button
        variant="default"
        disabled={!pageInfo.hasPreviousPage || page <= 1 || pending}
        onClick={onPrevious}
      >
        Previous page
      </Button>
      <Text size="sm">
        Page {page} of {pages}
      </Text>
      <Button variant="default" disabled={!pageInfo.hasNextPage || pending} onClick={onNext}>
        Next page
      </Button>
    </Group>
  );
}
